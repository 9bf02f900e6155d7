import { expectedPresignedSignature, parsePresignedToken } from '@palisade/testkit';
import { describe, expect, it } from 'vitest';

import { signElastiCacheToken } from './elasticache-iam-token.js';

// The example keys of the AWS documentation: fixed, fake, never sent anywhere.
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const signingDate = new Date('2026-03-04T05:06:07Z');

describe('signElastiCacheToken', () => {
  it('presigns a connect request for the replication group', async () => {
    const token = await signElastiCacheToken({
      replicationGroupId: 'palisade-cache',
      userId: 'palisade-web',
      region: 'eu-west-1',
      credentials,
      signingDate,
    });
    const parsed = parsePresignedToken(token);

    expect(token.startsWith('palisade-cache/?')).toBe(true);
    expect(token).not.toContain('://');
    expect(parsed.host).toBe('palisade-cache');
    expect(parsed.query['Action']).toBe('connect');
    expect(parsed.query['User']).toBe('palisade-web');
    expect(parsed.query['X-Amz-Algorithm']).toBe('AWS4-HMAC-SHA256');
    expect(parsed.query['X-Amz-Credential']).toBe(
      'AKIDEXAMPLE/20260304/eu-west-1/elasticache/aws4_request',
    );
    expect(parsed.query['X-Amz-Date']).toBe('20260304T050607Z');
    expect(parsed.query['X-Amz-Expires']).toBe('900');
    expect(parsed.query['X-Amz-SignedHeaders']).toBe('host');
    expect(parsed.query['ResourceType']).toBeUndefined();
  });

  it('carries a signature that SigV4 verification accepts', async () => {
    const token = await signElastiCacheToken({
      replicationGroupId: 'palisade-cache',
      userId: 'palisade-web',
      region: 'eu-west-1',
      credentials,
      signingDate,
    });
    const parsed = parsePresignedToken(token);

    expect(parsed.query['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.query['X-Amz-Signature']).toBe(
      expectedPresignedSignature(parsed, credentials.secretAccessKey),
    );
  });

  it('includes the session token of temporary credentials', async () => {
    const token = await signElastiCacheToken({
      replicationGroupId: 'palisade-cache',
      userId: 'palisade-web',
      region: 'eu-west-1',
      credentials: () => Promise.resolve({ ...credentials, sessionToken: 'FwoGZXIvYXdzEXAMPLE' }),
      signingDate,
    });
    const parsed = parsePresignedToken(token);

    expect(parsed.query['X-Amz-Security-Token']).toBe('FwoGZXIvYXdzEXAMPLE');
    expect(parsed.query['X-Amz-Signature']).toBe(
      expectedPresignedSignature(parsed, credentials.secretAccessKey),
    );
  });

  it('names the resource type of a serverless cache', async () => {
    const token = await signElastiCacheToken({
      replicationGroupId: 'palisade-serverless',
      userId: 'palisade-web',
      region: 'eu-west-1',
      serverless: true,
      credentials,
      signingDate,
    });
    expect(parsePresignedToken(token).query['ResourceType']).toBe('ServerlessCache');
  });

  it('signs differently at another time', async () => {
    const request = {
      replicationGroupId: 'palisade-cache',
      userId: 'palisade-web',
      region: 'eu-west-1',
      credentials,
    };
    const first = await signElastiCacheToken({ ...request, signingDate });
    const later = await signElastiCacheToken({
      ...request,
      signingDate: new Date(signingDate.getTime() + 600_000),
    });
    expect(later).not.toBe(first);
  });

  it('fails with the credential provider error', async () => {
    await expect(
      signElastiCacheToken({
        replicationGroupId: 'palisade-cache',
        userId: 'palisade-web',
        region: 'eu-west-1',
        credentials: () => Promise.reject(new Error('web identity token file missing')),
      }),
    ).rejects.toThrow('web identity token file missing');
  });
});
