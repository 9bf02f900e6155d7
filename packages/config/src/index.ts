export {
  ConfigError,
  loadCheckedConfig,
  loadConfig,
  type ConfigChecks,
  type ConfigOptions,
} from './load-config.js';
export { parseAddressList } from './address-list.js';
