import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startGatekeeperStub, type GatekeeperStub } from '../testing/gatekeeper-stub.js';
import { createTestPki, GATEKEEPER_SPIFFE_ID, type TestPki } from '../testing/test-pki.js';
import { startWebTestbed } from '../testing/web-testbed.js';
import { GatekeeperCallError } from './gatekeeper-call-error.js';
import { GrpcGatekeeper } from './gatekeeper-client.js';
import { checkGatekeeperIdentity, createGatekeeperCredentials } from './gatekeeper-credentials.js';

let pki: TestPki;
let stub: GatekeeperStub;
let gatekeeper: GrpcGatekeeper;

function context(timeoutMs = 2000) {
  return { requestId: 'req-1', accessToken: 'token-1', deadline: new Date(Date.now() + timeoutMs) };
}

beforeAll(async () => {
  pki = await createTestPki();
  stub = await startGatekeeperStub(pki);
  gatekeeper = new GrpcGatekeeper(
    stub.address,
    createGatekeeperCredentials({
      ca: Buffer.from(pki.ca.certificatePem),
      certificate: Buffer.from(pki.web.certificatePem),
      privateKey: Buffer.from(pki.web.privateKeyPem),
      serverSpiffeId: GATEKEEPER_SPIFFE_ID,
    }),
  );
});
afterAll(async () => {
  gatekeeper.close();
  await stub.close();
});

describe('GrpcGatekeeper', () => {
  it('calls EnsureUser with the bearer token in metadata', async () => {
    const profile = await gatekeeper.ensureUser(context());

    expect(profile.subject).toBe('alice');
    expect(stub.calls.at(-1)?.metadata.authorization).toBe('Bearer token-1');
    expect(stub.calls.at(-1)?.metadata['x-request-id']).toBe('req-1');
  });

  it('reports the health status over the same channel', async () => {
    await expect(gatekeeper.checkHealth(context())).resolves.toBe('SERVING');
  });

  it('rejects with the status and the caller stack', async () => {
    stub.nextError = { code: GrpcStatus.NOT_FOUND, details: 'No such user' };

    const error: unknown = await gatekeeper
      .ensureUser(context())
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(GatekeeperCallError);
    expect((error as GatekeeperCallError).status).toBe(GrpcStatus.NOT_FOUND);
    expect((error as GatekeeperCallError).details).toBe('No such user');
    expect((error as GatekeeperCallError).stack).toContain('gatekeeper-client.test.ts');
  });

  it('fails with DEADLINE_EXCEEDED when the deadline passes', async () => {
    stub.delayMs = 300;
    const error: unknown = await gatekeeper
      .ensureUser(context(50))
      .catch((caught: unknown) => caught);
    stub.delayMs = 0;

    expect((error as GatekeeperCallError).status).toBe(GrpcStatus.DEADLINE_EXCEEDED);
  });
});

describe('gatekeeper server identity', () => {
  it('accepts the expected SPIFFE ID', () => {
    const check = checkGatekeeperIdentity(GATEKEEPER_SPIFFE_ID);

    expect(check('127.0.0.1', { subjectaltname: `URI:${GATEKEEPER_SPIFFE_ID}` } as never)).toBe(
      undefined,
    );
  });

  it('rejects another SPIFFE ID', () => {
    const check = checkGatekeeperIdentity(GATEKEEPER_SPIFFE_ID);
    const other = 'spiffe://palisade.local/ns/palisade/sa/web';

    expect(check('127.0.0.1', { subjectaltname: `URI:${other}` } as never)).toBeInstanceOf(Error);
  });

  it('rejects a certificate without a URI SAN', () => {
    const check = checkGatekeeperIdentity(GATEKEEPER_SPIFFE_ID);

    expect(check('127.0.0.1', { subjectaltname: 'DNS:localhost' } as never)).toBeInstanceOf(Error);
  });

  it('rejects a server with another SPIFFE ID', async () => {
    const testbed = await startWebTestbed({ impostorGatekeeper: true });
    try {
      const response = await testbed.app.inject({
        url: '/api/me',
        headers: { authorization: await testbed.bearer() },
      });

      expect(response.statusCode).toBe(503);
      expect(testbed.gatekeeperStub.calls).toHaveLength(0);
    } finally {
      await testbed.close();
    }
  });
});
