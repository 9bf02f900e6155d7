/** RFC 6750 §2.1 token characters (b64token). */
const BEARER_HEADER_PATTERN = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Extracts the token from an `Authorization: Bearer <token>` header value.
 *
 * The scheme is matched case-insensitively (RFC 7235 §2.1). Returns undefined for a missing or
 * empty header, another scheme, an empty token, or more than one token, for example when a proxy
 * joined two `Authorization` headers with a comma.
 */
export function bearerTokenFromHeader(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;

  const match = BEARER_HEADER_PATTERN.exec(header.trim());
  return match?.[1];
}
