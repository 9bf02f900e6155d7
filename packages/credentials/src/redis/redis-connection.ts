import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

import { CredentialError } from '../errors.js';

/** Authentication mode of a Redis client. */
export type RedisAuthentication =
  /** Username and password from the URL, if any: for development and tests. */
  | { readonly mode: 'url' }
  /** ElastiCache IAM authentication: the user ID, with a signed token as its password. */
  | { readonly mode: 'elasticache-iam'; readonly userId: string };

/** Address, TLS and authentication of a Redis connection. */
export interface RedisConnectionSettings {
  /** `redis://` or `rediss://` (TLS) URL; `/N` selects database N. */
  readonly url: string;
  /** PEM bundle of the CAs that sign the server certificate; turns TLS on. */
  readonly tlsCaFile?: string;
  readonly authentication: RedisAuthentication;
}

/** The connection options of an ioredis client, built by {@link redisClientOptions}. */
export interface RedisClientOptions {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: { readonly ca?: Buffer; readonly servername?: string };
}

/**
 * Builds ioredis connection options: address and database from the URL, TLS when the URL is
 * `rediss://` or a CA file is given, and the credentials of the authentication mode. With
 * ElastiCache IAM, `token` is the password; the URL must then carry no password of its own.
 *
 * @throws {CredentialError} `SECRET_FILE_UNREADABLE` when the CA file cannot be read.
 * @throws {RangeError} for a URL that is not `redis://` or `rediss://`, or a password in the
 *   URL next to IAM authentication.
 */
export function redisClientOptions(
  settings: RedisConnectionSettings,
  token?: string,
): RedisClientOptions {
  const url = parseRedisUrl(settings.url);
  const useTls = url.protocol === 'rediss:' || settings.tlsCaFile !== undefined;
  const base = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 6379 : Number(url.port),
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    ...(useTls ? { tls: tlsOptions(url.hostname, settings.tlsCaFile) } : {}),
  };

  if (settings.authentication.mode === 'elasticache-iam') {
    if (url.password !== '') {
      throw new RangeError(
        'the Redis URL contains a password, but ElastiCache IAM authentication signs its own: remove it from the URL',
      );
    }
    return { ...base, username: settings.authentication.userId, password: token ?? '' };
  }
  return {
    ...base,
    ...(url.username !== '' ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
  };
}

function parseRedisUrl(value: string): URL {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
    // The value may contain a password, so the message does not repeat it.
    throw new RangeError('the Redis URL is invalid: use redis://host:port or rediss://host:port');
  }
  return url;
}

function tlsOptions(hostname: string, caFile: string | undefined) {
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new CredentialError(
        'SECRET_FILE_UNREADABLE',
        `the Redis CA file ${JSON.stringify(caFile)} cannot be read (${reason}): check the path`,
        { cause: error },
      );
    }
  }
  // Node.js rejects an IP address as TLS server name (SNI); the certificate check still runs.
  const host = hostname.replace(/^\[|\]$/g, '');
  return { ...(ca ? { ca } : {}), ...(isIP(host) === 0 ? { servername: host } : {}) };
}
