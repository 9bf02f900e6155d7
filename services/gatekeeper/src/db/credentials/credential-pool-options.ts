import { readFileSync } from 'node:fs';

import pg from 'pg';

import type { DatabaseCredentialProvider } from './database-credentials.js';

/** Connection settings of the gatekeeper's pool. */
export interface CredentialPoolSettings {
  /** postgres:// URL; with `credentials`, only its host, port and database are used. */
  readonly connectionString: string;
  /** Credentials of each new connection; without them, the URL's user name and password. */
  readonly credentials?: DatabaseCredentialProvider | undefined;
  /** PEM bundle of the CAs that sign the server certificate; turns on verified TLS. */
  readonly tlsCaFile?: string | undefined;
  /** Age in seconds at which a connection is replaced; below the credentials' validity. */
  readonly maxLifetimeSeconds?: number | undefined;
}

/**
 * Returns the connection part of the pool configuration. With a credential provider, each new
 * connection is a client that asks the provider for its user name and password, so a rotated
 * password or a fresh token reaches the next connection, and `maxLifetimeSeconds` retires
 * connections before their credential expires.
 *
 * @throws {RangeError} when the lifetime is not below the credentials' validity, or RDS IAM
 *   credentials come without TLS.
 * @throws {Error} when the CA file cannot be read.
 */
export function credentialPoolOptions(settings: CredentialPoolSettings): pg.PoolConfig {
  const { credentials, maxLifetimeSeconds } = settings;
  const ssl =
    settings.tlsCaFile === undefined
      ? undefined
      : { ca: readCaFile(settings.tlsCaFile), rejectUnauthorized: true };
  const lifetime = maxLifetimeSeconds === undefined ? {} : { maxLifetimeSeconds };

  if (credentials === undefined) {
    return { connectionString: settings.connectionString, ...(ssl ? { ssl } : {}), ...lifetime };
  }
  assertLifetimeWithinValidity(credentials, maxLifetimeSeconds);
  if (credentials.kind === 'rds-iam' && ssl === undefined) {
    throw new RangeError('RDS IAM credentials need TLS: set DATABASE_TLS_CA_FILE');
  }

  const url = new URL(settings.connectionString);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 5432 : Number(url.port),
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    ...(ssl ? { ssl } : {}),
    ...lifetime,
    Client: credentialClient(credentials),
  };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(
      `DATABASE_TLS_CA_FILE=${JSON.stringify(path)} cannot be read (${reason}): check the path`,
      { cause: error },
    );
  }
}

function assertLifetimeWithinValidity(
  credentials: DatabaseCredentialProvider,
  maxLifetimeSeconds: number | undefined,
): void {
  const validity = credentials.validitySeconds;
  if (validity === undefined) return;
  if (maxLifetimeSeconds === undefined || maxLifetimeSeconds >= validity) {
    throw new RangeError(
      `the pool's maximum connection lifetime (${maxLifetimeSeconds ?? 'unlimited'} s) must be ` +
        `below the ${validity} s that ${credentials.kind} credentials stay valid`,
    );
  }
}

/** A `pg.Client` whose user name and password come from `credentials` when it is created. */
function credentialClient(credentials: DatabaseCredentialProvider): new () => pg.ClientBase {
  return class CredentialClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({
        ...config,
        user: credentials.username(),
        password: () => credentials.password(),
      });
    }
  };
}
