import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

export const TEST_ISSUER = 'http://127.0.0.1:4000';
export const TEST_AUDIENCE = 'https://api.palisade.local';

/** Claims and header choices of a test access token. */
export interface TokenOptions {
  readonly subject?: string;
  readonly roles?: readonly string[];
  /** Seconds from now until `exp`, negative for an expired token. */
  readonly expiresInSeconds?: number;
  readonly audience?: string;
  /** Signs with a key the key set does not publish. */
  readonly foreignKey?: boolean;
  /** `iat` in seconds since the epoch. Default: one minute ago. */
  readonly issuedAtSeconds?: number;
}

/**
 * Serves a JSON Web Key Set on 127.0.0.1 and mints RFC 9068 access tokens signed with its key,
 * so the real `AccessTokenVerifier` can run without the development IdP.
 */
export interface IdentityProviderStub {
  readonly jwksUri: string;
  mintToken(options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

const KEY_ID = 'web-test-key';

/** Starts the key set server on a free port. */
export async function startIdentityProviderStub(): Promise<IdentityProviderStub> {
  const signing = await generateKeyPair('ES256', { extractable: true });
  const foreign = await generateKeyPair('ES256');
  const publicJwk = {
    ...(await exportJWK(signing.publicKey)),
    kid: KEY_ID,
    alg: 'ES256',
    use: 'sig',
  };

  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    response.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    jwksUri: `http://127.0.0.1:${port}/jwks`,
    mintToken: (options = {}) =>
      mintToken(options.foreignKey === true ? foreign.privateKey : signing.privateKey, options),
    close: () => closeServer(server),
  };
}

function mintToken(key: CryptoKey, options: TokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: [...(options.roles ?? [])], client_id: 'web-test' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: KEY_ID })
    .setIssuer(TEST_ISSUER)
    .setAudience(options.audience ?? TEST_AUDIENCE)
    .setSubject(options.subject ?? 'alice')
    .setIssuedAt(options.issuedAtSeconds ?? now - 60)
    .setExpirationTime(now + (options.expiresInSeconds ?? 300))
    .setJti(crypto.randomUUID())
    .sign(key);
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
