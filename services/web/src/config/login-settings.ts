import { Type } from 'typebox';

/** Configuration of browser login: the OpenID Connect client and its sessions. */
export const loginSettings = {
  WEB_PUBLIC_ORIGIN: Type.Optional(
    Type.String({
      format: 'uri',
      description:
        'Origin that browsers use for this API, such as https://app.example.com. It forms the ' +
        'OIDC redirect URI and is the only origin accepted on cookie-authenticated writes. ' +
        'Default: http://127.0.0.1:<WEB_PORT>. Plain http is accepted only for loopback hosts, ' +
        'and cookies are Secure whenever it is https.',
    }),
  ),
  WEB_OIDC_CLIENT_ID: Type.String({
    minLength: 1,
    default: 'palisade-web',
    description: 'Client ID of the web tier at the OpenID Connect provider.',
  }),
  WEB_OIDC_CLIENT_SECRET_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'File containing the client secret (sent with client_secret_basic). Unset: browser ' +
        'login is off and /api/auth/login answers 501; bearer tokens still work.',
    }),
  ),
  WEB_OIDC_SCOPES: Type.String({
    minLength: 1,
    default: 'openid profile email offline_access api',
    description:
      'Space-separated scopes requested at login; offline_access yields a refresh token.',
  }),
  WEB_SESSION_IDLE_TIMEOUT_SECONDS: Type.Integer({
    minimum: 60,
    maximum: 86_400,
    default: 1800,
    description: 'A browser session ends after this many seconds without a request.',
  }),
  WEB_SESSION_MAX_AGE_SECONDS: Type.Integer({
    minimum: 60,
    maximum: 30 * 86_400,
    default: 28_800,
    description: 'A browser session ends this many seconds after login, whatever its activity.',
  }),
  WEB_TOKEN_REFRESH_MARGIN_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 3600,
    default: 60,
    description: 'A session renews its access token when it expires within this many seconds.',
  }),
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Returns the public origin, or the problem with it: it must be an origin (no path) and use
 * https unless its host is a loopback address.
 */
export function parsePublicOrigin(value: string): { origin?: string; problem?: string } {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const name = `WEB_PUBLIC_ORIGIN=${JSON.stringify(value)}`;
  if (
    url === undefined ||
    url.origin === 'null' ||
    `${url.origin}/` !== url.href.replace(/\/?$/, '/')
  ) {
    return {
      problem: `${name} is invalid: give scheme, host and port only, such as https://app.example.com`,
    };
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return {
      problem: `${name} is invalid: use https, because session cookies must be Secure outside loopback`,
    };
  }
  return { origin: url.origin };
}
