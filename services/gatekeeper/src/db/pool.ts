import type { CredentialLogger } from '@palisade/credentials';
import type pg from 'pg';

import { assertCallDeadlineNotPassed, startDatabaseTimer } from '../grpc/call-scope.js';
import { discardAfterCommit, runAfterCommit } from './after-commit.js';
import {
  credentialPoolOptions,
  type CredentialPoolSettings,
} from './credentials/credential-pool-options.js';
import { CredentialPool } from './credentials/credential-pool.js';

export interface PoolOptions extends CredentialPoolSettings {
  readonly max: number;
  readonly statementTimeoutMs: number;
  /** Receives a warning for each rejected login that is retried. */
  readonly logger?: CredentialLogger;
}

/**
 * Creates the gatekeeper's PostgreSQL pool; the only place that opens connections. Each new
 * connection takes its credentials from `options.credentials` when given.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const config: pg.PoolConfig = {
    ...credentialPoolOptions(options),
    max: options.max,
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'palisade-gatekeeper',
  };
  // Every checkout, pool.query's included, counts as the current call's database time.
  return new CredentialPool(config, options.logger, startDatabaseTimer);
}

/**
 * Runs `work` inside one transaction: committed when it resolves, rolled back
 * when it throws, so an audit event and the change it records land together.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    assertCallDeadlineNotPassed();
    await client.query('COMMIT');
    runAfterCommit(client);
    return result;
  } catch (error) {
    discardAfterCommit(client);
    // A connection that cannot even roll back is discarded, not reused.
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
