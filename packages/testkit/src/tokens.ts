import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { fetchDevelopmentToken } from '@palisade/cli';
import { generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';

import type { RunningStack } from './stack.js';

export const apiAudience = 'https://api.palisade.local';

/** Fetches a real access token for a seeded user from the stack's development IdP. */
export function tokenFor(stack: RunningStack, username: string): Promise<string> {
  return fetchDevelopmentToken(stack.idpUrl, username);
}

export interface ForgeOptions {
  /** Claims merged over valid defaults; `undefined` removes a claim. */
  readonly claims?: Record<string, unknown>;
  /** Protected header fields merged over the IdP's defaults. */
  readonly header?: Record<string, unknown>;
  /** Signs with a fresh key the IdP never published instead of the IdP's key. */
  readonly foreignKey?: boolean;
}

/**
 * Signs a token with the stack IdP's own private key (read from its key file),
 * so a test controls every claim: expiry, audience, issuer, algorithm.
 */
export async function forgeToken(stack: RunningStack, options: ForgeOptions = {}): Promise<string> {
  const jwk = await idpSigningKey(stack);
  const key = options.foreignKey
    ? (await generateKeyPair('ES256')).privateKey
    : await importJWK(jwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);

  const claims: JWTPayload = {
    iss: stack.idpUrl,
    sub: '6f0b5c1e-3a7d-4c2b-9e51-2d8f4a6b7c01',
    aud: apiAudience,
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    client_id: 'palisade-web',
    roles: ['user'],
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];

  return new SignJWT(claims)
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: options.foreignKey ? 'unknown-key' : jwk.kid,
      ...options.header,
    })
    .sign(key);
}

/** Builds an unsigned token (`alg: none`) with valid-looking claims. */
export function unsignedToken(stack: RunningStack): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'none', typ: 'at+jwt' });
  const payload = encode({
    iss: stack.idpUrl,
    sub: '6f0b5c1e-3a7d-4c2b-9e51-2d8f4a6b7c01',
    aud: apiAudience,
    iat: now,
    exp: now + 300,
    roles: ['admin'],
  });
  return `${header}.${payload}.`;
}

/**
 * Signs a token with HS256 using the IdP's public key as the HMAC secret: the
 * classic algorithm-confusion attack on verifiers that trust the header's alg.
 */
export async function hmacWithPublicKeyToken(stack: RunningStack): Promise<string> {
  const publicJwk: JWK = { ...(await idpSigningKey(stack)) };
  delete publicJwk.d;
  const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: ['admin'], client_id: 'palisade-web' })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: publicJwk.kid })
    .setIssuer(stack.idpUrl)
    .setSubject('6f0b5c1e-3a7d-4c2b-9e51-2d8f4a6b7c01')
    .setAudience(apiAudience)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(secret);
}

async function idpSigningKey(stack: RunningStack): Promise<JWK & { kid: string }> {
  const text = await readFile(join(stack.home, 'idp', 'jwks.json'), 'utf8');
  const key = (JSON.parse(text) as { keys: (JWK & { kid: string })[] }).keys[0];
  if (key === undefined) throw new Error('the IdP key file has no key');
  return key;
}

/** A named way to build a token that every verifier must reject. */
export type InvalidTokenCase = [name: string, build: (stack: RunningStack) => Promise<string>];

/**
 * Tokens that must be rejected: expired, unsigned, algorithm confusion, wrong
 * audience or issuer, and a key the IdP never published.
 */
export const invalidTokenCases: readonly InvalidTokenCase[] = [
  [
    'expired',
    (stack) => {
      const now = Math.floor(Date.now() / 1000);
      return forgeToken(stack, { claims: { exp: now - 60, iat: now - 360 } });
    },
  ],
  ['unsigned alg none', (stack) => Promise.resolve(unsignedToken(stack))],
  ['HS256 with the public key', (stack) => hmacWithPublicKeyToken(stack)],
  ['another audience', (stack) => forgeToken(stack, { claims: { aud: 'https://other.example' } })],
  ['another issuer', (stack) => forgeToken(stack, { claims: { iss: 'http://127.0.0.1:1' } })],
  ['unknown kid', (stack) => forgeToken(stack, { foreignKey: true })],
];
