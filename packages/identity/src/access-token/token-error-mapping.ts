import { errors } from 'jose';

import { IdentityProviderUnavailableError, InvalidAccessTokenError } from '../errors.js';

/**
 * Translates an error from `jwtVerify` into this package's catalogue. jose's messages name the
 * failed check and never quote the token, but the messages here are fixed anyway so no future
 * jose wording can leak token contents into logs.
 */
export function toAccessTokenError(error: unknown): unknown {
  if (error instanceof IdentityProviderUnavailableError) return error;
  if (!(error instanceof errors.JOSEError)) return error;

  const reject = (code: InvalidAccessTokenError['code'], message: string) =>
    new InvalidAccessTokenError(code, message, { cause: error });

  if (error instanceof errors.JWTExpired) {
    return reject('TOKEN_EXPIRED', 'The access token has expired');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return reject(
      'TOKEN_CLAIM_INVALID',
      `The access token's "${error.claim}" claim or header is invalid (${error.reason})`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return reject('TOKEN_SIGNATURE_INVALID', 'The access token signature is invalid');
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return reject(
      'TOKEN_KEY_UNKNOWN',
      "The access token's signing key is not in the issuer's key set",
    );
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return reject('TOKEN_KEY_UNKNOWN', 'The access token does not name one signing key (kid)');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return reject(
      'TOKEN_ALGORITHM_REJECTED',
      "The access token's signing algorithm is not allowed",
    );
  }
  return reject('TOKEN_MALFORMED', 'The access token is not a well-formed signed JWT');
}
