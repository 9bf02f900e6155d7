import { Type } from 'typebox';

/** Configuration of the gatekeeper's Redis layer: the store, the query cache, idempotency. */
export const storeSettings = {
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description:
        'Redis URL, for example redis://127.0.0.1:6379, for the query cache and idempotency ' +
        'keys. Unset: an in-memory store in this process.',
    }),
  ),
  REDIS_KEY_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9:_.-]{1,64}$',
    default: 'palisade:',
    description: 'Prefix of every Redis key, so several deployments can share one Redis.',
  }),
  GATEKEEPER_CACHE_TTL_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 3600,
    default: 60,
    description:
      'Lifetime of a cached profile row, in seconds; 0 turns the profile cache off. It bounds ' +
      'how long a stale row can be served when Redis fails during an invalidation.',
  }),
};
