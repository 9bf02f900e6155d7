import { randomUUID } from 'node:crypto';

import { ownerDeletedReason } from '@palisade/inventory';
import { testServerAvailable, type DatabaseKind } from '@palisade/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { withTransaction } from '../src/db/pool.js';
import { deletedExperimentTitle, deleteUser } from '../src/users/user-store.js';
import { openTestDatabase, type TestDatabase } from './entry-database.js';
import { insertUser } from './entry-fixtures.js';

const serverUp = await testServerAvailable();
const databases: DatabaseKind[] = serverUp ? ['embedded', 'server'] : ['embedded'];

interface ExperimentRow {
  owner_id: string | null;
  title: string;
  state: string;
  reason: string | null;
}

async function insertExperiment(
  client: Pick<pg.ClientBase, 'query'>,
  ownerId: string,
  title: string,
): Promise<string> {
  const id = randomUUID();
  await client.query('INSERT INTO app.experiments (id, title, owner_id) VALUES ($1, $2, $3)', [
    id,
    title,
    ownerId,
  ]);
  return id;
}

async function experimentRow(pool: pg.Pool, id: string): Promise<ExperimentRow | undefined> {
  const { rows } = await pool.query<ExperimentRow>(
    'SELECT owner_id, title, state, reason FROM app.experiments WHERE id = $1',
    [id],
  );
  return rows[0];
}

describe.each(databases)('user deletion on the %s database', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('detaches a pending and a confirmed experiment', async () => {
    const userId = await insertUser(database.pool, `owner-${randomUUID()}`);
    const pending = await insertExperiment(database.pool, userId, 'Mine');
    const confirmed = await insertExperiment(database.pool, userId, 'Done');
    await database.pool.query("UPDATE app.experiments SET state = 'CONFIRMED' WHERE id = $1", [
      confirmed,
    ]);

    expect(await withTransaction(database.pool, (client) => deleteUser(client, userId))).toBe(true);

    expect(await experimentRow(database.pool, pending)).toEqual({
      owner_id: null,
      title: deletedExperimentTitle,
      state: 'PENDING',
      reason: ownerDeletedReason,
    });
    expect(await experimentRow(database.pool, confirmed)).toEqual({
      owner_id: null,
      title: deletedExperimentTitle,
      state: 'CONFIRMED',
      reason: null,
    });
  });

  it('returns false for an absent user', async () => {
    expect(await withTransaction(database.pool, (client) => deleteUser(client, randomUUID()))).toBe(
      false,
    );
  });
});

// PGlite runs one transaction at a time, so only a server can interleave two.
describe.skipIf(!serverUp)('user deletion racing an experiment', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase('server');
  });

  afterAll(async () => {
    await database?.close();
  });

  it('detaches an experiment inserted while the user is deleted', async () => {
    const userId = await insertUser(database.pool, `racer-${randomUUID()}`);
    const creating = await database.pool.connect();
    try {
      await creating.query('BEGIN');
      const id = await insertExperiment(creating, userId, 'Racing');
      // The DELETE waits for the uncommitted experiment, which references the user row.
      const deleting = withTransaction(database.pool, (client) => deleteUser(client, userId));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await creating.query('COMMIT');

      expect(await deleting).toBe(true);
      expect(await experimentRow(database.pool, id)).toEqual({
        owner_id: null,
        title: deletedExperimentTitle,
        state: 'PENDING',
        reason: ownerDeletedReason,
      });
    } finally {
      creating.release();
    }
  });

  it('gives up when an experiment stays attached on every attempt', async () => {
    const userId = await insertUser(database.pool, `stuck-${randomUUID()}`);
    const stuck = await insertExperiment(database.pool, userId, 'Stuck');
    // A real trigger keeps this one experiment's owner, as if a new one arrived each time.
    await database.pool.query(`
      CREATE FUNCTION app.keep_owner_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.owner_id := OLD.owner_id; RETURN NEW; END $$`);
    await database.pool.query(`
      CREATE TRIGGER keep_owner_for_test BEFORE UPDATE ON app.experiments FOR EACH ROW
      WHEN (OLD.id = '${stuck}') EXECUTE FUNCTION app.keep_owner_for_test()`);
    try {
      await expect(
        withTransaction(database.pool, (client) => deleteUser(client, userId)),
      ).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: /during each of 3 deletion attempts; retry/,
      });
    } finally {
      await database.pool.query('DROP TRIGGER keep_owner_for_test ON app.experiments');
    }

    const { rows } = await database.pool.query('SELECT 1 FROM app.users WHERE id = $1', [userId]);
    expect(rows).toHaveLength(1);
  });
});
