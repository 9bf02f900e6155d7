export { migrate, type MigrateOptions } from './commands/migrate.js';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './dev/embedded-postgres.js';
export {
  gatekeeperRole,
  prepareGatekeeperLogin,
  rotateGatekeeperPassword,
  scramVerifier,
  type GatekeeperLogin,
} from './dev/gatekeeper-login.js';
export { findFreePort, isPortFree } from './dev/ports.js';
export { developmentWorkloads, spiffeIds, trustDomain } from './dev/service-environments.js';
export { fetchDevelopmentToken } from './token.js';
export { eventHash, genesisHash, type ChainedEventFields } from './audit/audit-chain.js';
export {
  verifyAuditChain,
  type ChainProblem,
  type ChainProblemKind,
  type ChainVerification,
} from './audit/verify-audit-chain.js';
