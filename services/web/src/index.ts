/**
 * The Palisade web tier: the public HTTP API in front of the gatekeeper. `main.ts` runs it;
 * these exports let tests and tools build the same app.
 */
export { buildApp, type AppDependencies } from './app.js';
export type { AccessTokenCheck, Principal } from './auth/authenticate.js';
export {
  forbiddenWebVariables,
  loadWebConfig,
  parseAlgorithms,
  webConfigSchema,
  type WebConfig,
} from './config/web-config.js';
export { readTlsFiles, type TlsFiles } from './config/tls-files.js';
export type { CallContext } from './gatekeeper/call-context.js';
export { GatekeeperCallError } from './gatekeeper/gatekeeper-call-error.js';
export { GrpcGatekeeper, type Gatekeeper } from './gatekeeper/gatekeeper-client.js';
export {
  checkGatekeeperIdentity,
  createGatekeeperCredentials,
  createReloadingGatekeeperCredentials,
  GatekeeperIdentityMismatchError,
  type GatekeeperTlsOptions,
} from './gatekeeper/gatekeeper-credentials.js';
export type { ServingStatus } from './gatekeeper/health-check.js';
export { createLogger } from './logging/create-logger.js';
export { httpStatusOfGrpcStatus } from './problem/grpc-status.js';
export { PROBLEM_MEDIA_TYPE, type Problem } from './problem/problem.js';
export { profilePatchSchema, type ProfilePatch } from './routes/me-routes.js';
export { profileSchema, type ProfileJson } from './routes/profile-schema.js';
