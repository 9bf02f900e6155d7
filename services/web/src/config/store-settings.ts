import { parseAddressList } from '@palisade/config';
import { Type } from 'typebox';

/** Configuration of the web tier's Redis layer: store, revocation, rate limits, proxies. */
export const storeSettings = {
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description:
        'Redis URL, for example redis://127.0.0.1:6379, for sessions, revocations and rate ' +
        'limits. Unset: an in-memory store in this process, which replicas do not share.',
    }),
  ),
  REDIS_KEY_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9:_.-]{1,64}$',
    default: 'palisade:',
    description: 'Prefix of every Redis key, so several deployments can share one Redis.',
  }),
  WEB_REVOCATION_FAIL_MODE: Type.Union([Type.Literal('closed'), Type.Literal('open')], {
    default: 'closed',
    description:
      'What an authenticated request gets when the revocation list cannot be read: `closed` ' +
      'answers 503, `open` lets it through unchecked and logs a warning.',
  }),
  WEB_TRUSTED_PROXIES: Type.String({
    default: '',
    description:
      'Comma-separated IP addresses or CIDR ranges of reverse proxies whose X-Forwarded-For ' +
      'header names the client. Empty: the TCP peer is the client.',
  }),
  WEB_RATE_LIMIT_WINDOW_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 60,
    description: 'Length of the sliding window of the per-user and per-address limits, in seconds.',
  }),
  WEB_RATE_LIMIT_PER_USER: Type.Integer({
    minimum: 1,
    default: 300,
    description: 'Requests one authenticated user may make per window.',
  }),
  WEB_RATE_LIMIT_PER_ADDRESS: Type.Integer({
    minimum: 1,
    default: 600,
    description: 'Requests one client address may make per window, authenticated or not.',
  }),
  WEB_RATE_LIMIT_LOGIN_WINDOW_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 300,
    description: 'Length of the sliding window of the login limit, in seconds.',
  }),
  WEB_RATE_LIMIT_LOGIN_PER_ADDRESS: Type.Integer({
    minimum: 1,
    default: 20,
    description:
      'Requests to /api/auth/login and /api/auth/callback one address may make per login window.',
  }),
};

/** Parses the trusted proxy list: IP addresses and CIDR ranges, IPv4 or IPv6. */
export function parseTrustedProxies(list: string): { proxies: string[]; problems: string[] } {
  const { addresses, problems } = parseAddressList('WEB_TRUSTED_PROXIES', list);
  return { proxies: addresses, problems };
}
