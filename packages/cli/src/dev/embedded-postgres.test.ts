import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connect, type Socket } from 'node:net';

import pg from 'pg';
import { parse, serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { findFreePort } from './ports.js';

describe('embedded PostgreSQL with several connections', () => {
  let folder: string;
  let database: EmbeddedPostgres;
  let pool: pg.Pool;
  let port: number;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-embedded-'));
    database = await startEmbeddedPostgres({
      dataDirectory: join(folder, 'pgdata'),
      host: '127.0.0.1',
      port: (port = await findFreePort()),
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

  it('keeps an extended-protocol query whole while another connection queries', async () => {
    const raw = await rawConnection(port);
    try {
      // Only the Parse of an extended query. A simple query from another connection would
      // replace its unnamed statement if it ran before this connection's Sync.
      raw.socket.write(serialize.parse({ text: 'SELECT $1::text AS value' }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const other = pool.query<{ value: string }>("SELECT 'other' AS value");
      await new Promise((resolve) => setTimeout(resolve, 100));
      raw.socket.write(serialize.bind({ values: ['first connection'] }));
      raw.socket.write(serialize.execute({}));
      raw.socket.write(serialize.sync());
      await raw.readyForQuery(2);

      expect(raw.rows).toEqual([['first connection']]);
      expect(raw.errors).toEqual([]);
      expect((await other).rows).toEqual([{ value: 'other' }]);
    } finally {
      raw.socket.destroy();
    }
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

interface RawConnection {
  readonly socket: Socket;
  readonly rows: string[][];
  readonly errors: string[];
  /** Resolves once `count` ReadyForQuery messages have arrived since the connection opened. */
  readyForQuery(count: number): Promise<void>;
}

/** Opens a wire-protocol connection that the test drives message by message. */
async function rawConnection(port: number): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const rows: string[][] = [];
  const errors: string[] = [];
  let ready = 0;
  void parse(socket, (message) => {
    if (message.name === 'readyForQuery') ready += 1;
    if (message.name === 'dataRow') rows.push((message as unknown as { fields: string[] }).fields);
    if (message.name === 'error') errors.push((message as unknown as Error).message);
  });
  const connection: RawConnection = {
    socket,
    rows,
    errors,
    async readyForQuery(count) {
      for (let attempt = 0; attempt < 100 && ready < count; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (ready < count) throw new Error(`only ${ready} of ${count} ReadyForQuery arrived`);
    },
  };
  socket.write(serialize.startup({ user: 'postgres', database: 'postgres' }));
  await connection.readyForQuery(1);
  return connection;
}
