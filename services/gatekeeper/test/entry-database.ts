import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findFreePort, migrate, startEmbeddedPostgres } from '@palisade/cli';
import { createPool } from '@palisade/gatekeeper';
import { createScratchDatabase, testServerUrl, type DatabaseKind } from '@palisade/testkit';
import pg from 'pg';

/** A migrated database for one test file, with the gatekeeper's pool on it. */
export interface TestDatabase {
  readonly kind: DatabaseKind;
  readonly url: string;
  readonly pool: pg.Pool;
  /** WARNING notices the migrations raised. */
  readonly warnings: readonly string[];
  /** Whether the server offers pgvector, as the migration checked it. */
  readonly vectorAvailable: boolean;
  close(): Promise<void>;
}

/**
 * Creates the gatekeeper's pool for a test database. pg.Pool#end resolves
 * before its connections have closed, so dropping the database right after it
 * can send one of them a termination error (57P01), which the pool re-emits as
 * its own 'error' event. The gatekeeper logs that event; here it is dropped.
 * Query errors still reach their callers through the query promises.
 */
function testPool(url: string, max: number): pg.Pool {
  const pool = createPool({ connectionString: url, max, statementTimeoutMs: 30_000 });
  pool.on('error', () => undefined);
  return pool;
}

/** Ends a pool unless a test ended it already. */
async function endPool(pool: pg.Pool): Promise<void> {
  if (!pool.ended && !pool.ending) await pool.end();
}

/**
 * Starts the embedded database (PGlite, one connection) or creates a scratch
 * database on the PostgreSQL test server, and applies the migrations.
 */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const warnings: string[] = [];
  if (kind === 'embedded') {
    const dataDirectory = await mkdtemp(join(tmpdir(), 'palisade-entries-'));
    const embedded = await startEmbeddedPostgres({
      dataDirectory,
      host: '127.0.0.1',
      port: await findFreePort(),
    });
    await migrate({ databaseUrl: embedded.url, warn: (message) => warnings.push(message) });
    const pool = testPool(embedded.url, 1);
    return {
      kind,
      url: embedded.url,
      pool,
      warnings,
      vectorAvailable: await vectorAvailable(pool),
      async close() {
        await endPool(pool);
        await embedded.stop();
        await rm(dataDirectory, { recursive: true, force: true });
      },
    };
  }

  const scratch = await createScratchDatabase();
  await migrate({ databaseUrl: scratch.url, warn: (message) => warnings.push(message) });
  const pool = testPool(scratch.url, 4);
  return {
    kind,
    url: scratch.url,
    pool,
    warnings,
    vectorAvailable: await vectorAvailable(pool),
    async close() {
      await endPool(pool);
      await scratch.drop();
    },
  };
}

async function vectorAvailable(pool: pg.Pool): Promise<boolean> {
  const result = await pool.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
  return result.rowCount === 1;
}

/**
 * Tells whether a database kind offers pgvector, so suites can choose their
 * hybrid or text-mode cases before any database starts. The embedded database
 * always does; the test server does when its pgvector package is installed.
 */
export async function offersVector(kind: DatabaseKind): Promise<boolean> {
  if (kind === 'embedded') return true;
  const client = new pg.Client({ connectionString: testServerUrl });
  await client.connect();
  try {
    const result = await client.query(
      "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
    );
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}
