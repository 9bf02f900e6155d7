import { silentLogger } from '@palisade/credentials';
import { expectedPresignedSignature, parsePresignedToken } from '@palisade/testkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { rdsIamCredentials } from './rds-iam-credentials.js';

// The example keys of the AWS documentation: fixed, fake, never sent anywhere.
const fakeKeys = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const database = {
  hostname: 'palisade.cluster-abc.eu-west-1.rds.amazonaws.com',
  port: 5432,
  username: 'palisade_gatekeeper',
  region: 'eu-west-1',
};

/** Creates a credential provider that counts its calls and fails while `failing` is set. */
function countingCredentials() {
  const state = { calls: [] as number[], failing: false };
  const provider = () => {
    state.calls.push(Date.now());
    if (state.failing)
      return Promise.reject(new Error('could not load credentials from any providers'));
    return Promise.resolve(fakeKeys);
  };
  return { state, provider };
}

describe('rdsIamCredentials', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-05-06T07:08:09Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands out a token for the host, port and user', async () => {
    const credentials = rdsIamCredentials({
      ...database,
      credentials: fakeKeys,
      logger: silentLogger,
    });
    const token = parsePresignedToken(await credentials.password());

    expect(token.host).toBe(`${database.hostname}:5432`);
    expect(token.path).toBe('/');
    expect(token.query['Action']).toBe('connect');
    expect(token.query['DBUser']).toBe('palisade_gatekeeper');
    expect(token.query['X-Amz-Credential']).toBe(
      'AKIDEXAMPLE/20260506/eu-west-1/rds-db/aws4_request',
    );
    expect(token.query['X-Amz-Date']).toBe('20260506T070809Z');
    expect(token.query['X-Amz-Expires']).toBe('900');
    expect(token.query['X-Amz-SignedHeaders']).toBe('host');
    expect(token.query['X-Amz-Signature']).toBe(
      expectedPresignedSignature(token, fakeKeys.secretAccessKey),
    );
    credentials.close();
  });

  it('names the user and the token validity', () => {
    const credentials = rdsIamCredentials({
      ...database,
      credentials: fakeKeys,
      logger: silentLogger,
    });
    expect(credentials.kind).toBe('rds-iam');
    expect(credentials.username()).toBe('palisade_gatekeeper');
    expect(credentials.validitySeconds).toBe(900);
    credentials.close();
  });

  it('signs a new token before the current one expires', async () => {
    const credentials = rdsIamCredentials({
      ...database,
      credentials: fakeKeys,
      logger: silentLogger,
    });
    const first = await credentials.password();

    await vi.advanceTimersByTimeAsync(9 * 60_000);
    expect(await credentials.password()).toBe(first);
    await vi.advanceTimersByTimeAsync(60_000);
    const second = await credentials.password();

    expect(second).not.toBe(first);
    expect(parsePresignedToken(second).query['X-Amz-Date']).toBe('20260506T071809Z');
    credentials.close();
  });

  it('reports a signing failure clearly', async () => {
    const { state, provider } = countingCredentials();
    state.failing = true;
    const credentials = rdsIamCredentials({
      ...database,
      credentials: provider,
      logger: silentLogger,
    });

    const error = await credentials.password().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TOKEN_SIGNING_FAILED' });
    expect((error as Error).message).toContain('signing the RDS IAM token failed');
    expect((error as Error).message).toContain('could not load credentials from any providers');
    expect((error as Error).message).toContain('retrying in');
    credentials.close();
  });

  it('retries a failed signing with backoff until it works', async () => {
    const { state, provider } = countingCredentials();
    state.failing = true;
    const credentials = rdsIamCredentials({
      ...database,
      credentials: provider,
      retryInitialDelayMs: 1000,
      retryMaxDelayMs: 4000,
      logger: silentLogger,
    });
    const start = Date.now();

    await vi.advanceTimersByTimeAsync(11_000);
    const delays = state.calls.map((time, i) => time - (state.calls[i - 1] ?? start));
    expect(delays).toEqual([0, 1000, 2000, 4000, 4000]);

    state.failing = false;
    await vi.advanceTimersByTimeAsync(4000);
    expect(parsePresignedToken(await credentials.password()).query['DBUser']).toBe(
      'palisade_gatekeeper',
    );
    credentials.close();
  });
});
