import { INTERACTION_PATH } from '../provider.js';

/** oidc-provider's default endpoints and the IdP's own fixed paths. */
const fixedRoutes = new Set([
  '/healthz',
  '/development/token',
  '/.well-known/openid-configuration',
  '/auth',
  '/token',
  '/jwks',
  '/me',
  '/request',
  '/reg',
  '/session/end',
  '/session/end/confirm',
  '/session/end/success',
  '/token/introspection',
  '/token/revocation',
]);

/** Route label of paths that match no known endpoint. */
export const otherRoute = 'other';

/**
 * Maps a request path to a route label from a fixed set, with ids replaced by
 * placeholders, so that a client cannot create a new metric series per path.
 */
export function routeLabelOf(url: string | undefined): string {
  const path = new URL(url ?? '/', 'http://idp.invalid').pathname;
  if (fixedRoutes.has(path)) return path;
  if (path.startsWith(INTERACTION_PATH)) {
    const depth = path.slice(INTERACTION_PATH.length).split('/').length;
    return depth === 1 ? `${INTERACTION_PATH}:uid` : `${INTERACTION_PATH}:uid/:action`;
  }
  if (path.startsWith('/auth/')) return '/auth/:uid';
  return otherRoute;
}
