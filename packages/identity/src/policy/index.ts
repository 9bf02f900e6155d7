export { AuthorizationPolicy, type AuthorizationRule } from './authorization-policy.js';
export { isMethodPath, isServiceWildcard } from './method-path.js';
export { loadAuthorizationPolicy, parseAuthorizationPolicy } from './parse-authorization-policy.js';
