export {
  AccessTokenVerifier,
  bearerTokenFromHeader,
  type AccessTokenVerifierOptions,
  type VerifiedUser,
} from './access-token/index.js';
export {
  CertificateRequestError,
  IdentityProviderUnavailableError,
  InvalidAccessTokenError,
  InvalidSpiffeIdError,
  PolicyError,
  type InvalidAccessTokenCode,
} from './errors.js';
export * from './pki/index.js';
export * from './policy/index.js';
export {
  isValidTrustDomain,
  parseSpiffeId,
  spiffeIdOfPeerCertificate,
  type SpiffeId,
} from './spiffe.js';
