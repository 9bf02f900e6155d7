import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { findFreePort } from './ports.js';

describe('embedded PostgreSQL with several connections', () => {
  let folder: string;
  let database: EmbeddedPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-embedded-'));
    database = await startEmbeddedPostgres({
      dataDirectory: join(folder, 'pgdata'),
      host: '127.0.0.1',
      port: await findFreePort(),
    });
    pool = new pg.Pool({ connectionString: database.url, max: 6 });
    await pool.query('CREATE TABLE IF NOT EXISTS turns (connection text NOT NULL)');
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await database?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('answers concurrent parameterised queries each with its own result', async () => {
    const numbers = Array.from({ length: 120 }, (_, index) => index);
    const results = await Promise.all(
      numbers.map((n) => pool.query<{ n: number }>('SELECT $1::int AS n, pg_sleep(0)', [n])),
    );

    expect(results.map((result) => result.rows[0]?.n)).toEqual(numbers);
  });

  it('keeps other connections out of an open transaction', async () => {
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query("INSERT INTO turns (connection) VALUES ('writer')");
      const reader = pool.query<{ count: string }>('SELECT count(*)::text AS count FROM turns');
      // The reader waits for the writer's transaction to end instead of running inside it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await writer.query('ROLLBACK');

      expect((await reader).rows[0]?.count).toBe('0');
    } finally {
      writer.release();
    }
  });

  it('rolls back the transaction of a connection that drops', async () => {
    const dropped = new pg.Client({ connectionString: database.url });
    await dropped.connect();
    dropped.on('error', () => undefined);
    await dropped.query('BEGIN');
    await dropped.query("INSERT INTO turns (connection) VALUES ('dropped')");
    const reader = pool.query<{ count: string }>('SELECT count(*)::text AS count FROM turns');
    (
      dropped as unknown as { connection: { stream: { destroy(): void } } }
    ).connection.stream.destroy();

    expect((await reader).rows[0]?.count).toBe('0');
  });
});
