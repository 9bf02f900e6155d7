import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findFreePort, migrate, startEmbeddedPostgres } from '@palisade/cli';
import {
  createScratchDatabase,
  testServerAvailable,
  type ScratchDatabase,
} from '@palisade/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serverAvailable = await testServerAvailable();
const firstMigration = '0001_users-profiles-audit';
const migrationsDirectory = join(import.meta.dirname, '../db/migrations');
// Every migration in the folder, in the order they apply.
const allMigrations = (await readdir(migrationsDirectory))
  .filter((file) => file.endsWith('.sql'))
  .map((file) => file.slice(0, -'.sql'.length))
  .sort();
const appTables = ['entries', 'entry_shares', 'profiles', 'users'];

async function tablesIn(url: string, schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    );
    return result.rows.map((row) => row.table_name);
  } finally {
    await client.end();
  }
}

describe.runIf(serverAvailable)('palisade migrate on a PostgreSQL server', () => {
  let database: ScratchDatabase;
  let brokenDirectory: string;

  beforeAll(async () => {
    database = await createScratchDatabase();
    brokenDirectory = await mkdtemp(join(tmpdir(), 'palisade-migrations-'));
  });

  afterAll(async () => {
    await database?.drop();
    await rm(brokenDirectory, { recursive: true, force: true });
  });

  it('rolls back every migration of a run when one fails', async () => {
    await copyFile(
      join(import.meta.dirname, '../db/migrations', `${firstMigration}.sql`),
      join(brokenDirectory, `${firstMigration}.sql`),
    );
    await writeFile(
      join(brokenDirectory, '0002_broken.sql'),
      '-- Up Migration\nSELECT * FROM missing_table;\n',
    );

    await expect(
      migrate({ databaseUrl: database.url, directory: brokenDirectory }),
    ).rejects.toThrow();
    expect(await tablesIn(database.url, 'app')).toEqual([]);
  });

  it('applies the migrations once', async () => {
    expect(await migrate({ databaseUrl: database.url })).toEqual(allMigrations);
    expect(await tablesIn(database.url, 'app')).toEqual(expect.arrayContaining(appTables));
    expect(await tablesIn(database.url, 'audit')).toEqual(expect.arrayContaining(['events']));
  });

  it('applies nothing when run again', async () => {
    expect(await migrate({ databaseUrl: database.url })).toEqual([]);
  });
});

describe('palisade migrate on the embedded database', () => {
  it('applies the migrations once', async () => {
    const dataDirectory = await mkdtemp(join(tmpdir(), 'palisade-pglite-'));
    const embedded = await startEmbeddedPostgres({
      dataDirectory,
      host: '127.0.0.1',
      port: await findFreePort(),
    });
    try {
      expect(await migrate({ databaseUrl: embedded.url })).toEqual(allMigrations);
      expect(await migrate({ databaseUrl: embedded.url })).toEqual([]);
      expect(await tablesIn(embedded.url, 'app')).toEqual(expect.arrayContaining(appTables));
    } finally {
      await embedded.stop();
      await rm(dataDirectory, { recursive: true, force: true });
    }
  });
});
