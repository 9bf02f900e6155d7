import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import type pg from 'pg';

/**
 * Returns the pool settings of `databaseUrl`. With `passwordFile`, each new connection reads its
 * password from that file, so a rotated password needs no restart. pg lets a connection string
 * override the separate settings, so the URL is then split into them instead of passed whole.
 * With `tlsCaFile` it connects over TLS and verifies the server against that CA bundle.
 */
export function databasePoolConfig(
  databaseUrl: string,
  passwordFile: string | undefined,
  tlsCaFile?: string,
): pg.PoolConfig {
  // pg verifies the server certificate and its host name when it is given a CA.
  const ssl =
    tlsCaFile === undefined
      ? {}
      : { ssl: { ca: readFileSync(tlsCaFile, 'utf8'), rejectUnauthorized: true } };
  if (passwordFile === undefined) return { connectionString: databaseUrl, ...ssl };
  const url = new URL(databaseUrl);
  return {
    ...ssl,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 5432 : Number(url.port),
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    user: decodeURIComponent(url.username) || undefined,
    password: async () => (await readFile(passwordFile, 'utf8')).trim(),
  };
}

/**
 * Returns the inventory's readiness check, which reports `database` while `pool` cannot run a
 * query. Redis is not checked: the command handler works on without it. Give it a pool of its
 * own with one connection and short timeouts (see {@link readinessPoolConfig}), so checks that
 * hang never take the connections that saga steps need.
 */
export function databaseReadiness(
  pool: Pick<pg.Pool, 'query'>,
  onFailure: (error: unknown) => void = () => undefined,
): () => Promise<string[]> {
  return () =>
    pool.query('SELECT 1').then(
      () => [],
      (error: unknown) => {
        onFailure(error);
        return ['database'];
      },
    );
}

/** Settings that make the readiness pool give up within `timeoutMs`: one connection, no queue. */
export function readinessPoolConfig(timeoutMs: number): pg.PoolConfig {
  return {
    max: 1,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'palisade-inventory-readiness',
  };
}
