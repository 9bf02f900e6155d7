export {
  buildEdge,
  immutableCacheControl,
  isClientRoute,
  revalidateCacheControl,
  type EdgeOptions,
} from './build-edge.js';
export { defaultStaticRoot, loadEdgeConfig, type EdgeConfig } from './edge-config.js';
export { contentSecurityPolicy, securityHeaders } from './security-headers.js';
