export { ConfigError, loadConfig, type ConfigOptions } from './load-config.js';
export { parseAddressList } from './address-list.js';
