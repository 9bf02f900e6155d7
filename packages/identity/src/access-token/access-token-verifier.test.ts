import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { IdentityProviderUnavailableError, InvalidAccessTokenError } from '../errors.js';
import { AccessTokenVerifier, type AccessTokenVerifierOptions } from './access-token-verifier.js';

const AUDIENCE = 'https://api.palisade.local';

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** A stand-in identity provider: serves discovery and a key set whose contents tests change. */
interface IdentityProvider {
  issuer: string;
  published: SigningKey[];
  discoveryStatus: number;
  jwksStatus: number;
  discoveryIssuer?: string;
  discoveryRequests: number;
  jwksRequests: number;
}

let server: Server;
const idp: IdentityProvider = {
  issuer: '',
  published: [],
  discoveryStatus: 200,
  jwksStatus: 200,
  discoveryRequests: 0,
  jwksRequests: 0,
};
let keyA: SigningKey;
let keyB: SigningKey;
let unpublishedKey: SigningKey;

async function createSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

beforeAll(async () => {
  keyA = await createSigningKey('key-a');
  keyB = await createSigningKey('key-b');
  unpublishedKey = await createSigningKey('key-unpublished');

  server = createServer((request, response) => {
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/.well-known/openid-configuration') {
      idp.discoveryRequests += 1;
      json(idp.discoveryStatus, {
        issuer: idp.discoveryIssuer ?? idp.issuer,
        jwks_uri: `${idp.issuer}/jwks`,
      });
    } else if (request.url === '/jwks') {
      idp.jwksRequests += 1;
      json(idp.jwksStatus, { keys: idp.published.map((key) => key.publicJwk) });
    } else {
      json(404, {});
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  idp.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

beforeEach(() => {
  Object.assign(idp, {
    published: [keyA],
    discoveryStatus: 200,
    jwksStatus: 200,
    discoveryIssuer: undefined,
    discoveryRequests: 0,
    jwksRequests: 0,
  });
});

function createVerifier(overrides: Partial<AccessTokenVerifierOptions> = {}) {
  return new AccessTokenVerifier({
    issuer: idp.issuer,
    audience: AUDIENCE,
    jwksUri: `${idp.issuer}/jwks`,
    algorithms: ['ES256'],
    clockToleranceSeconds: 5,
    ...overrides,
  });
}

interface TokenOptions {
  readonly key?: SigningKey;
  readonly kid?: string;
  readonly typ?: string | null;
  readonly claims?: JWTPayload;
  readonly omit?: readonly string[];
}

/** Signs an access token that passes every check unless the options change it. */
async function signToken(options: TokenOptions = {}): Promise<string> {
  const key = options.key ?? keyA;
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: idp.issuer,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: now,
    exp: now + 300,
    jti: 'token-1',
    client_id: 'palisade-web',
    roles: ['admin', 'user'],
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];

  const typ = options.typ === undefined ? 'at+jwt' : options.typ;
  const header = { alg: 'ES256', kid: options.kid ?? key.kid, ...(typ === null ? {} : { typ }) };
  return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Signs an HS256 token by hand, so any byte string can be the secret. */
async function signHs256(secret: Uint8Array, claims: JWTPayload, kid: string): Promise<string> {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid }));
  const body = base64url(JSON.stringify(claims));
  const key = await crypto.subtle.importKey(
    'raw',
    secret,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = await crypto.subtle.sign('HMAC', key, Buffer.from(`${header}.${body}`));
  return `${header}.${body}.${base64url(Buffer.from(signature))}`;
}

function validClaims(): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { iss: idp.issuer, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 300 };
}

/** Returns the rejection of `verify(token)`, failing when it resolves. */
async function rejectionOf(token: string, verifier = createVerifier()): Promise<Error> {
  try {
    await verifier.verify(token);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the token to be rejected');
}

async function expectTokenCode(token: string, code: string, verifier = createVerifier()) {
  const error = await rejectionOf(token, verifier);

  expect(error).toBeInstanceOf(InvalidAccessTokenError);
  expect((error as InvalidAccessTokenError).code).toBe(code);
  if (token !== '') expect(error.message).not.toContain(token);
  return error as InvalidAccessTokenError;
}

describe('AccessTokenVerifier.verify', () => {
  it('returns the verified user', async () => {
    const before = Math.floor(Date.now() / 1000);
    const user = await createVerifier().verify(await signToken());

    expect(user.subject).toBe('user-1');
    expect(user.issuer).toBe(idp.issuer);
    expect(user.roles).toEqual(['admin', 'user']);
    expect(user.tokenId).toBe('token-1');
    expect(user.clientId).toBe('palisade-web');
    expect(user.expiresAt.getTime()).toBeGreaterThanOrEqual((before + 300) * 1000);
  });

  it('caches the key set', async () => {
    const verifier = createVerifier();
    await verifier.verify(await signToken());
    await verifier.verify(await signToken());

    expect(idp.jwksRequests).toBe(1);
  });

  it('rejects an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken({ claims: { iat: now - 600, exp: now - 60 } });

    await expectTokenCode(token, 'TOKEN_EXPIRED');
  });

  it('accepts expiry within the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken({ claims: { iat: now - 600, exp: now - 2 } });

    await expect(createVerifier().verify(token)).resolves.toMatchObject({ subject: 'user-1' });
  });

  it('rejects a token not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken({ claims: { nbf: now + 60 } });

    const error = await expectTokenCode(token, 'TOKEN_CLAIM_INVALID');
    expect(error.message).toContain('"nbf"');
  });

  it('rejects an unsigned token', async () => {
    const header = base64url(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
    const token = `${header}.${base64url(JSON.stringify(validClaims()))}.`;

    await expectTokenCode(token, 'TOKEN_ALGORITHM_REJECTED');
  });

  it('rejects HS256 keyed with the public key PEM', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const token = await signHs256(Buffer.from(pem), validClaims(), keyA.kid);

    await expectTokenCode(token, 'TOKEN_ALGORITHM_REJECTED');
  });

  it('rejects HS256 keyed with the published JWK', async () => {
    const secret = Buffer.from(JSON.stringify(keyA.publicJwk));
    const token = await signHs256(secret, validClaims(), keyA.kid);

    await expectTokenCode(token, 'TOKEN_ALGORITHM_REJECTED');
  });

  it('rejects another audience', async () => {
    const token = await signToken({ claims: { aud: 'https://other.example' } });

    const error = await expectTokenCode(token, 'TOKEN_CLAIM_INVALID');
    expect(error.message).toContain('"aud"');
  });

  it('rejects another issuer', async () => {
    const token = await signToken({ claims: { iss: 'http://127.0.0.1:1' } });

    const error = await expectTokenCode(token, 'TOKEN_CLAIM_INVALID');
    expect(error.message).toContain('"iss"');
  });

  it('rejects a key the issuer never published', async () => {
    await expectTokenCode(await signToken({ key: unpublishedKey }), 'TOKEN_KEY_UNKNOWN');
  });

  it('rejects a signature by another key under a known kid', async () => {
    const token = await signToken({ key: unpublishedKey, kid: keyA.kid });

    await expectTokenCode(token, 'TOKEN_SIGNATURE_INVALID');
  });

  it('rejects a tampered payload', async () => {
    const [header, , signature] = (await signToken()).split('.');
    const forged = base64url(JSON.stringify({ ...validClaims(), sub: 'admin' }));

    await expectTokenCode(`${header}.${forged}.${signature}`, 'TOKEN_SIGNATURE_INVALID');
  });

  it.each(['sub', 'exp', 'iat'])('rejects a token without %s', async (claim) => {
    const error = await expectTokenCode(await signToken({ omit: [claim] }), 'TOKEN_CLAIM_INVALID');
    expect(error.message).toContain(`"${claim}"`);
  });

  it('rejects an empty subject', async () => {
    await expectTokenCode(await signToken({ claims: { sub: '' } }), 'TOKEN_CLAIM_INVALID');
  });

  it.each([
    ['a lone high surrogate', 'user-\uD800'],
    ['a lone low surrogate', 'user-\uDFFF'],
    ['a NUL character', 'user-\u0000'],
  ])('rejects a subject with %s', async (_case, sub) => {
    const error = await expectTokenCode(
      await signToken({ claims: { sub } }),
      'TOKEN_CLAIM_INVALID',
    );
    expect(error.message).toBe(
      'The access token\'s "sub" claim must be well-formed Unicode without NUL characters',
    );
  });

  it('accepts a subject with a surrogate pair', async () => {
    const token = await signToken({ claims: { sub: 'user-\uD83D\uDE00' } });
    await expect(createVerifier().verify(token)).resolves.toMatchObject({ subject: 'user-😀' });
  });

  it('rejects typ JWT', async () => {
    const error = await expectTokenCode(await signToken({ typ: 'JWT' }), 'TOKEN_CLAIM_INVALID');
    expect(error.message).toContain('"typ"');
  });

  it('rejects a token without typ', async () => {
    await expectTokenCode(await signToken({ typ: null }), 'TOKEN_CLAIM_INVALID');
  });

  it('accepts typ application/at+jwt', async () => {
    const token = await signToken({ typ: 'application/at+jwt' });
    await expect(createVerifier().verify(token)).resolves.toMatchObject({ subject: 'user-1' });
  });

  it.each(['', 'abc', 'a.b.c', 'a.b'])('rejects malformed token %j', async (token) => {
    await expectTokenCode(token, 'TOKEN_MALFORMED');
  });
});

describe('AccessTokenVerifier roles', () => {
  it('returns no roles when the claim is absent', async () => {
    const user = await createVerifier().verify(await signToken({ omit: ['roles'] }));
    expect(user.roles).toEqual([]);
  });

  it('rejects roles that are not an array', async () => {
    const token = await signToken({ claims: { roles: 'admin' } });

    const error = await expectTokenCode(token, 'TOKEN_CLAIM_INVALID');
    expect(error.message).toBe('The access token\'s "roles" claim must be an array of strings');
  });

  it('rejects roles that are not strings', async () => {
    await expectTokenCode(
      await signToken({ claims: { roles: ['admin', 1] } }),
      'TOKEN_CLAIM_INVALID',
    );
  });

  it('reads a configured role claim', async () => {
    const token = await signToken({ claims: { groups: ['auditor'] } });
    const user = await createVerifier({ roleClaim: 'groups' }).verify(token);

    expect(user.roles).toEqual(['auditor']);
  });

  it('omits absent jti and client_id', async () => {
    const user = await createVerifier().verify(await signToken({ omit: ['jti', 'client_id'] }));

    expect(user).not.toHaveProperty('tokenId');
    expect(user).not.toHaveProperty('clientId');
  });
});

describe('AccessTokenVerifier key discovery', () => {
  it('finds the key set through OpenID discovery', async () => {
    const verifier = createVerifier({ jwksUri: undefined });
    await verifier.verify(await signToken());
    await verifier.verify(await signToken());

    expect(idp.discoveryRequests).toBe(1);
    expect(idp.jwksRequests).toBe(1);
  });

  it('retries discovery after a failure', async () => {
    const verifier = createVerifier({ jwksUri: undefined });
    idp.discoveryStatus = 500;
    const error = await rejectionOf(await signToken(), verifier);
    idp.discoveryStatus = 200;

    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect((error as IdentityProviderUnavailableError).code).toBe('IDP_UNAVAILABLE');
    await expect(verifier.verify(await signToken())).resolves.toMatchObject({ subject: 'user-1' });
    expect(idp.discoveryRequests).toBe(2);
  });

  it('rejects discovery naming another issuer', async () => {
    idp.discoveryIssuer = 'http://127.0.0.1:1';
    const error = await rejectionOf(await signToken(), createVerifier({ jwksUri: undefined }));

    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(error.message).toContain('names issuer "http://127.0.0.1:1"');
  });

  it('reports a key set server that is down', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');

    const verifier = createVerifier({ jwksUri: `http://127.0.0.1:${port}/jwks` });
    const error = await rejectionOf(await signToken(), verifier);

    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(error.message).toContain(`http://127.0.0.1:${port}/jwks`);
  });

  it('reports discovery that is down', async () => {
    const verifier = createVerifier({ issuer: 'http://127.0.0.1:1', jwksUri: undefined });
    const error = await rejectionOf(await signToken(), verifier);

    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
  });

  it('reports a key set error response', async () => {
    idp.jwksStatus = 503;
    const error = await rejectionOf(await signToken());

    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
  });

  it('picks up a rotated key', async () => {
    const verifier = createVerifier({ cooldownMs: 0 });
    await verifier.verify(await signToken());
    idp.published = [keyA, keyB];

    const user = await verifier.verify(await signToken({ key: keyB }));

    expect(user.subject).toBe('user-1');
    expect(idp.jwksRequests).toBe(2);
  });

  it('does not refetch during the cooldown', async () => {
    const verifier = createVerifier({ cooldownMs: 60_000 });
    await verifier.verify(await signToken());
    idp.published = [keyA, keyB];

    await expectTokenCode(await signToken({ key: keyB }), 'TOKEN_KEY_UNKNOWN', verifier);
    expect(idp.jwksRequests).toBe(1);
  });
});

describe('AccessTokenVerifier options', () => {
  it.each([
    [{ algorithms: [] }, /at least one/],
    [{ algorithms: ['ES256', 'none'] }, /must not include none/],
    [{ algorithms: ['HS256'] }, /must not include HS256/],
    [{ issuer: 'not a url' }, /issuer "not a url" must be an absolute URL/],
    [{ jwksUri: '/jwks' }, /jwksUri "\/jwks" must be an absolute URL/],
    [{ audience: '' }, /audience must be a non-empty string/],
    [{ clockToleranceSeconds: -1 }, /clockToleranceSeconds/],
    [{ cacheMaxEntries: -1 }, /cacheMaxEntries -1 must be a non-negative integer/],
    [{ cacheMaxEntries: 1.5 }, /cacheMaxEntries 1.5 must be a non-negative integer/],
    [{ keySetMaxAgeMs: -1 }, /keySetMaxAgeMs -1 must be a non-negative number/],
  ])('rejects %j', (overrides, message) => {
    expect(() => createVerifier(overrides)).toThrow(message);
  });
});

describe('AccessTokenVerifier verified-token cache', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  afterEach(() => {
    vi.useRealTimers();
  });

  /** Verifies `token` with `verifier` and with an uncached verifier, returning both outcomes. */
  async function outcomes(token: string, verifier: AccessTokenVerifier) {
    const uncached = createVerifier({ cacheMaxEntries: 0 });
    const settle = (promise: Promise<unknown>) =>
      promise.then(
        () => 'accepted',
        (error: unknown) => (error as InvalidAccessTokenError).code ?? String(error),
      );
    return {
      cached: await settle(verifier.verify(token)),
      uncached: await settle(uncached.verify(token)),
    };
  }

  it('returns a repeated token from the cache', async () => {
    const verifier = createVerifier();
    const token = await signToken();
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);

    expect(second).toBe(first);
    expect(verifier.cacheStatistics().hits).toBe(1);
    expect(verifier.cacheStatistics().size).toBe(1);
  });

  it('keeps no rejected token', async () => {
    const verifier = createVerifier();
    const [header, , signature] = (await signToken()).split('.');
    const forged = `${header}.${base64url(JSON.stringify({ ...validClaims(), sub: 'admin' }))}.${signature}`;

    await expectTokenCode(forged, 'TOKEN_SIGNATURE_INVALID', verifier);
    await expectTokenCode(forged, 'TOKEN_SIGNATURE_INVALID', verifier);
    expect(verifier.cacheStatistics().size).toBe(0);
    expect(verifier.cacheStatistics().hits).toBe(0);
  });

  it('expires a cached token with exp and the tolerance', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verifier = createVerifier({ clockToleranceSeconds: 5 });
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken({ claims: { iat: now, exp: now + 60 } });
    await verifier.verify(token);

    vi.setSystemTime((now + 64) * 1000);
    const lastSecond = await outcomes(token, verifier);
    vi.setSystemTime((now + 65) * 1000);
    const expired = await outcomes(token, verifier);

    expect(lastSecond).toEqual({ cached: 'accepted', uncached: 'accepted' });
    expect(verifier.cacheStatistics().hits).toBe(1);
    expect(expired).toEqual({ cached: 'TOKEN_EXPIRED', uncached: 'TOKEN_EXPIRED' });
    expect(verifier.cacheStatistics().size).toBe(0);
  });

  it('rejects a cached token when the clock goes back before nbf', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verifier = createVerifier({ clockToleranceSeconds: 5 });
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken({ claims: { nbf: now } });
    await verifier.verify(token);

    vi.setSystemTime((now - 60) * 1000);

    expect(await outcomes(token, verifier)).toEqual({
      cached: 'TOKEN_CLAIM_INVALID',
      uncached: 'TOKEN_CLAIM_INVALID',
    });
  });

  it('rejects a cached token whose key left the key set', async () => {
    idp.published = [keyA, keyB];
    const verifier = createVerifier({ cooldownMs: 0 });
    const token = await signToken({ key: keyB });
    await verifier.verify(token);

    idp.published = [keyA];
    // A token with an unknown kid makes jose fetch the key set again, now without key B.
    await expectTokenCode(await signToken({ key: unpublishedKey }), 'TOKEN_KEY_UNKNOWN', verifier);

    await expectTokenCode(token, 'TOKEN_KEY_UNKNOWN', verifier);
    expect(verifier.cacheStatistics().hits).toBe(0);
  });

  it('rejects a cached token whose kid now names another key', async () => {
    const verifier = createVerifier({ cooldownMs: 0 });
    const token = await signToken();
    await verifier.verify(token);

    idp.published = [
      { ...unpublishedKey, publicJwk: { ...unpublishedKey.publicJwk, kid: keyA.kid } },
    ];
    await expectTokenCode(await signToken({ key: keyB }), 'TOKEN_KEY_UNKNOWN', verifier);

    expect(await outcomes(token, verifier)).toEqual({
      cached: 'TOKEN_SIGNATURE_INVALID',
      uncached: 'TOKEN_SIGNATURE_INVALID',
    });
  });

  it('rejects a cached token after the key set ages out without its key', async () => {
    idp.published = [keyA, keyB];
    const verifier = createVerifier({ keySetMaxAgeMs: 50 });
    const token = await signToken({ key: keyB });
    await verifier.verify(token);

    idp.published = [keyA];
    await sleep(80);

    await expectTokenCode(token, 'TOKEN_KEY_UNKNOWN', verifier);
    expect(idp.jwksRequests).toBe(2);
  });

  it('verifies in full after the key set is fetched again', async () => {
    const verifier = createVerifier({ cooldownMs: 0 });
    const token = await signToken();
    await verifier.verify(token);
    await verifier.verify(token);
    await expectTokenCode(await signToken({ key: unpublishedKey }), 'TOKEN_KEY_UNKNOWN', verifier);

    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' });
    expect(verifier.cacheStatistics().hits).toBe(1);
    expect(idp.jwksRequests).toBe(2);
  });

  it('reports a failed key set fetch on a cached token', async () => {
    const verifier = createVerifier({ keySetMaxAgeMs: 50 });
    const token = await signToken();
    await verifier.verify(token);

    idp.jwksStatus = 503;
    await sleep(80);
    const error = await rejectionOf(token, verifier);

    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect(verifier.cacheStatistics().size).toBe(0);
  });

  it('evicts the oldest token at cacheMaxEntries', async () => {
    const verifier = createVerifier({ cacheMaxEntries: 2 });
    const tokens = await Promise.all(
      ['token-1', 'token-2', 'token-3'].map((jti) => signToken({ claims: { jti } })),
    );
    for (const token of tokens) await verifier.verify(token);

    expect(verifier.cacheStatistics().size).toBe(2);
    await verifier.verify(tokens[2] ?? '');
    expect(verifier.cacheStatistics().hits).toBe(1);
    await verifier.verify(tokens[0] ?? '');
    expect(verifier.cacheStatistics().hits).toBe(1);
  });

  it('turns off with cacheMaxEntries 0', async () => {
    const verifier = createVerifier({ cacheMaxEntries: 0 });
    const token = await signToken();
    await verifier.verify(token);
    await verifier.verify(token);

    expect(verifier.cacheStatistics()).toEqual({ size: 0, hits: 0, misses: 0 });
  });
});
