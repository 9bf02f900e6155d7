export { migrate, type MigrateOptions } from './commands/migrate.js';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './dev/embedded-postgres.js';
export { findFreePort, isPortFree } from './dev/ports.js';
export { developmentWorkloads, spiffeIds, trustDomain } from './dev/service-environments.js';
export { fetchDevelopmentToken } from './token.js';
