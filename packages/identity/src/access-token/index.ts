export {
  AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  type VerifiedUser,
} from './access-token-verifier.js';
export { bearerTokenFromHeader } from './bearer-token.js';
