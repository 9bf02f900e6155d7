import { IdentityProviderUnavailableError } from '../errors.js';

/**
 * Fetches the issuer's OpenID Provider configuration (OpenID Connect Discovery 1.0 §4) and
 * returns its `jwks_uri`.
 *
 * @throws {IdentityProviderUnavailableError} when the document cannot be fetched or parsed, names
 * another issuer (§4.3 requires an exact match), or has no usable `jwks_uri`.
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<URL> {
  const location = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const unavailable = (reason: string, cause?: unknown) =>
    new IdentityProviderUnavailableError(
      `OpenID configuration ${location} ${reason}`,
      cause === undefined ? undefined : { cause },
    );

  let response: Response;
  try {
    response = await fetch(location, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    throw unavailable('could not be fetched', cause);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw unavailable(`returned HTTP ${response.status}, expected 200`);
  }

  let document: unknown;
  try {
    document = await response.json();
  } catch (cause) {
    throw unavailable('is not valid JSON', cause);
  }
  if (typeof document !== 'object' || document === null) throw unavailable('is not an object');

  const { issuer: documentIssuer, jwks_uri: jwksUri } = document as Record<string, unknown>;
  if (documentIssuer !== issuer) {
    throw unavailable(`names issuer ${JSON.stringify(documentIssuer)}, expected ${issuer}`);
  }
  const url = typeof jwksUri === 'string' && URL.canParse(jwksUri) ? new URL(jwksUri) : undefined;
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw unavailable(`has no valid http(s) jwks_uri (found ${JSON.stringify(jwksUri)})`);
  }

  return url;
}
