export { gatekeeperConfigSchema, loadGatekeeperConfig, type GatekeeperConfig } from './config.js';
export { createGatekeeperServer, listen, mutualTlsCredentials } from './server.js';
