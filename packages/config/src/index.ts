export { ConfigError, loadConfig, type ConfigOptions } from './load-config.js';
