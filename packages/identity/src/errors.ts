/**
 * Errors raised by `@palisade/identity`. Each class is named for the condition and carries a
 * stable `code`, so callers can `switch (error.code)` and map it once to a gRPC status or an
 * HTTP problem response.
 */

/** Maximum number of characters of a rejected value quoted in an error message. */
const MAX_QUOTED_LENGTH = 120;

/** Quotes a rejected value for an error message, cut short so a huge input cannot flood logs. */
export function quoteValue(value: string): string {
  if (value.length <= MAX_QUOTED_LENGTH) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_QUOTED_LENGTH))}… (${value.length} characters)`;
}

/** Raised when a string is not a valid SPIFFE ID. `rule` names the rule it breaks. */
export class InvalidSpiffeIdError extends Error {
  readonly code = 'INVALID_SPIFFE_ID';

  constructor(
    readonly value: string,
    readonly rule: string,
  ) {
    super(`Invalid SPIFFE ID ${quoteValue(value)}: ${rule}`);
    this.name = 'InvalidSpiffeIdError';
  }
}

/** Raised when a certificate request (names, validity, CA material) cannot be issued. */
export class CertificateRequestError extends Error {
  readonly code = 'CERTIFICATE_REQUEST_INVALID';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CertificateRequestError';
  }
}

/** Raised when an authorisation policy cannot be read or is invalid, listing every problem. */
export class PolicyError extends Error {
  readonly code = 'POLICY_INVALID';

  constructor(
    readonly source: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    const list = problems.map((problem) => `  - ${problem}`).join('\n');
    super(`Invalid authorization policy ${source}:\n${list}`, options);
    this.name = 'PolicyError';
  }
}

/** Stable reasons for rejecting an access token. */
export type InvalidAccessTokenCode =
  | 'TOKEN_MALFORMED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_SIGNATURE_INVALID'
  | 'TOKEN_KEY_UNKNOWN'
  | 'TOKEN_ALGORITHM_REJECTED'
  | 'TOKEN_CLAIM_INVALID';

/**
 * Raised when an access token is rejected, so callers respond with 401 (HTTP) or UNAUTHENTICATED
 * (gRPC). The message describes the check that failed and never contains the token.
 */
export class InvalidAccessTokenError extends Error {
  constructor(
    readonly code: InvalidAccessTokenCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'InvalidAccessTokenError';
  }
}

/**
 * Raised when the identity provider's discovery document or key set cannot be fetched, so a
 * token cannot be checked at all. Callers respond with 503 (HTTP) or UNAVAILABLE (gRPC), not 401.
 */
export class IdentityProviderUnavailableError extends Error {
  readonly code = 'IDP_UNAVAILABLE';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IdentityProviderUnavailableError';
  }
}
