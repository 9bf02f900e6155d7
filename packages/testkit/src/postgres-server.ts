import { randomBytes } from 'node:crypto';

import pg from 'pg';

/** The PostgreSQL server that server-backed tests use; PALISADE_TEST_DATABASE_URL overrides it. */
export const testServerUrl =
  process.env['PALISADE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Tells whether the test server accepts connections. Under CI=true an unreachable server
 * is an error, so CI never passes by skipping; elsewhere the caller skips and
 * prints one line naming what to start.
 */
export async function testServerAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: testServerUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env['CI'] === 'true') {
      throw new Error(
        `PostgreSQL test server unreachable at ${testServerUrl} (${reason}); CI needs it running`,
      );
    }
    process.stdout.write(
      `skipping PostgreSQL server tests: ${testServerUrl} unreachable (${reason}); start PostgreSQL or set PALISADE_TEST_DATABASE_URL\n`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database created for one test run on the test server and dropped afterwards. */
export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a database with a random name on `serverUrl`, the test server by default. */
export async function createScratchDatabase(
  serverUrl: string = testServerUrl,
): Promise<ScratchDatabase> {
  const name = `palisade_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        // pg.Pool#end resolves before its connections close. Waiting for them means FORCE ends
        // only the connections a test left open, not ones already closing, whose termination
        // error (57P01) the pool would re-emit as an uncaught 'error' event.
        for (let attempt = 0; attempt < 40; attempt += 1) {
          const open = await client.query<{ count: number }>(
            'SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if (open.rows[0]?.count === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
