import { copyFile, mkdtemp, rm } from 'node:fs/promises';
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
const migrationsDirectory = join(import.meta.dirname, '../db/migrations');
const rolesMigrations = ['0001_users-profiles-audit', '0002_entries', '0003_roles'];

/** Runs `work` on one connection while it acts as `role`, as that role's own login would. */
async function asRole<T>(url: string, role: string, work: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET ROLE ${role}`);
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Returns the error a statement fails with, or undefined when it succeeds. */
async function failureOf(client: pg.Client, sql: string): Promise<Error | undefined> {
  try {
    await client.query(sql);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

async function query<Row extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function privilege(url: string, table: string, action: string): Promise<boolean> {
  const [row] = await query<{ allowed: boolean }>(
    url,
    `SELECT has_table_privilege('palisade_gatekeeper', $1, $2) AS allowed`,
    [table, action],
  );
  return row?.allowed === true;
}

describe.runIf(serverAvailable)('database roles on a PostgreSQL server', () => {
  let first: ScratchDatabase;
  let second: ScratchDatabase;

  beforeAll(async () => {
    first = await createScratchDatabase();
    second = await createScratchDatabase();
    await migrate({ databaseUrl: first.url });
    await query(first.url, 'CREATE TABLE inventory.roles_test (id int PRIMARY KEY, quantity int)');
  });

  afterAll(async () => {
    await first?.drop();
    await second?.drop();
  });

  it('creates the three roles', async () => {
    const roles = await query<{ rolname: string }>(
      first.url,
      `SELECT rolname FROM pg_roles WHERE rolname LIKE 'palisade\\_%' ORDER BY 1`,
    );
    expect(roles.map((role) => role.rolname)).toEqual(
      expect.arrayContaining(['palisade_gatekeeper', 'palisade_inventory', 'palisade_migrator']),
    );
  });

  it('migrates a second database whose roles exist', async () => {
    const applied = await migrate({ databaseUrl: second.url });
    expect(applied).toContain('0003_roles');
    expect(await privilege(second.url, 'app.users', 'INSERT')).toBe(true);
  });

  it('gives the schemas to the migration role', async () => {
    const owners = await query<{ nspname: string; owner: string }>(
      first.url,
      `SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace
        WHERE nspname IN ('app', 'audit', 'inventory') ORDER BY 1`,
    );
    expect(owners).toEqual([
      { nspname: 'app', owner: 'palisade_migrator' },
      { nspname: 'audit', owner: 'palisade_migrator' },
      { nspname: 'inventory', owner: 'palisade_migrator' },
    ]);
  });

  it('grants the gatekeeper only the statements it runs', async () => {
    expect(await privilege(first.url, 'app.users', 'INSERT')).toBe(true);
    expect(await privilege(first.url, 'app.users', 'UPDATE')).toBe(false);
    expect(await privilege(first.url, 'app.profiles', 'UPDATE')).toBe(true);
    expect(await privilege(first.url, 'app.profiles', 'DELETE')).toBe(false);
    expect(await privilege(first.url, 'audit.events', 'INSERT')).toBe(true);
    expect(await privilege(first.url, 'audit.events', 'UPDATE')).toBe(false);
    expect(await privilege(first.url, 'audit.events', 'DELETE')).toBe(false);
    expect(await privilege(first.url, 'audit.events', 'TRUNCATE')).toBe(false);
  });

  it('keeps the gatekeeper out of the inventory tables', async () => {
    expect(await privilege(first.url, 'inventory.items', 'SELECT')).toBe(false);
    expect(await privilege(first.url, 'inventory.reservations', 'SELECT')).toBe(false);
    expect(await privilege(first.url, 'inventory.available_items', 'SELECT')).toBe(true);
    expect(await privilege(first.url, 'inventory.available_items', 'UPDATE')).toBe(false);
  });

  it('lets saga consumers change only the lease of a queued message', async () => {
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    const columnPrivilege = async (role: string, column: string) => {
      const result = await client.query<{ allowed: boolean }>(
        `SELECT has_column_privilege($1, 'messaging.deliveries', $2, 'UPDATE') AS allowed`,
        [role, column],
      );
      return result.rows[0]?.allowed;
    };
    try {
      for (const role of ['palisade_gatekeeper', 'palisade_inventory']) {
        expect(await columnPrivilege(role, 'leased_until'), role).toBe(true);
        expect(await columnPrivilege(role, 'payload'), role).toBe(false);
        expect(await columnPrivilege(role, 'message_key'), role).toBe(false);
      }
    } finally {
      await client.end();
    }
  });

  it('grants tables of later migrations by default privileges', async () => {
    // Tables created after the roles migration, by the role that runs migrations.
    for (const schema of ['app', 'audit', 'inventory']) {
      await query(first.url, `CREATE TABLE ${schema}.later_table (id int)`);
    }
    expect(await privilege(first.url, 'app.later_table', 'UPDATE')).toBe(true);
    expect(await privilege(first.url, 'app.later_table', 'DELETE')).toBe(true);
    expect(await privilege(first.url, 'audit.later_table', 'INSERT')).toBe(true);
    expect(await privilege(first.url, 'audit.later_table', 'UPDATE')).toBe(false);
    expect(await privilege(first.url, 'audit.later_table', 'DELETE')).toBe(false);
    expect(await privilege(first.url, 'inventory.later_table', 'SELECT')).toBe(false);
  });

  it('lets the gatekeeper run its business statements', async () => {
    await asRole(first.url, 'palisade_gatekeeper', async (client) => {
      const [user] = (
        await client.query<{ id: string }>(
          `INSERT INTO app.users (issuer, subject) VALUES ('https://idp.test', 'roles-test') RETURNING id`,
        )
      ).rows;
      await client.query('INSERT INTO app.profiles (user_id) VALUES ($1)', [user?.id]);
      await client.query(
        `INSERT INTO audit.events (actor_subject, action, target_type, target_id, request_id)
         VALUES ('roles-test', 'user.create', 'user', $1, 'request-1')`,
        [user?.id],
      );
      const events = await client.query('SELECT * FROM audit.events WHERE target_id = $1', [
        user?.id,
      ]);
      expect(events.rowCount).toBe(1);
    });
  });

  it('stops the gatekeeper from dropping a table', async () => {
    const error = await asRole(first.url, 'palisade_gatekeeper', (client) =>
      failureOf(client, 'DROP TABLE app.users'),
    );
    expect(error?.message).toBe('must be owner of table users');
  });

  it('stops the gatekeeper from changing audit events', async () => {
    await asRole(first.url, 'palisade_gatekeeper', async (client) => {
      const update = await failureOf(client, `UPDATE audit.events SET action = 'profile.read'`);
      expect(update?.message).toBe('permission denied for table events');
      const remove = await failureOf(client, 'DELETE FROM audit.events');
      expect(remove?.message).toBe('permission denied for table events');
      const truncate = await failureOf(client, 'TRUNCATE audit.events');
      expect(truncate?.message).toBe('permission denied for table events');
    });
  });

  it('keeps the gatekeeper out of the inventory tables', async () => {
    const tables = await query<{ tablename: string }>(
      first.url,
      `SELECT tablename FROM pg_tables WHERE schemaname = 'inventory' ORDER BY 1`,
    );
    expect(tables.length).toBeGreaterThan(0);
    await asRole(first.url, 'palisade_gatekeeper', async (client) => {
      for (const { tablename } of tables) {
        const error = await failureOf(client, `SELECT * FROM inventory.${tablename}`);
        expect(error?.message).toMatch(
          new RegExp(`^permission denied for (schema inventory|table ${tablename})$`),
        );
      }
    });
  });

  it('keeps the inventory role out of the other schemas', async () => {
    await asRole(first.url, 'palisade_inventory', async (client) => {
      await client.query('INSERT INTO inventory.roles_test VALUES (1, 10)');
      const error = await failureOf(client, 'SELECT * FROM app.users');
      expect(error?.message).toBe('permission denied for schema app');
    });
  });

  it('stops the gatekeeper from creating objects in public', async () => {
    const error = await asRole(first.url, 'palisade_gatekeeper', (client) =>
      failureOf(client, 'CREATE TABLE public.stash (secret text)'),
    );
    expect(error?.message).toBe('permission denied for schema public');
  });
});

describe.runIf(serverAvailable)('append-only audit trigger of the roles migration', () => {
  let database: ScratchDatabase;
  let directory: string;

  beforeAll(async () => {
    database = await createScratchDatabase();
    directory = await mkdtemp(join(tmpdir(), 'palisade-roles-migrations-'));
    for (const name of rolesMigrations) {
      await copyFile(join(migrationsDirectory, `${name}.sql`), join(directory, `${name}.sql`));
    }
    await migrate({ databaseUrl: database.url, directory });
    await query(
      database.url,
      `INSERT INTO audit.events (actor_subject, action, target_type, target_id, request_id)
       VALUES ('alice', 'profile.read', 'user', 'u-1', 'r-1'),
              ('alice', 'profile.update', 'user', 'u-1', 'r-2')`,
    );
  });

  afterAll(async () => {
    await database?.drop();
    await rm(directory, { recursive: true, force: true });
  });

  it('rejects changes by a role that holds the privilege', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // Even a grant slipped in by mistake does not open the trail to changes.
      await client.query('BEGIN');
      await client.query('GRANT UPDATE, DELETE, TRUNCATE ON audit.events TO palisade_gatekeeper');
      await client.query('SET LOCAL ROLE palisade_gatekeeper');
      await client.query('SAVEPOINT attempt');
      const update = await failureOf(client, `UPDATE audit.events SET action = 'x'`);
      expect(update?.message).toBe(
        'UPDATE on audit.events is not allowed for role palisade_gatekeeper: audit events are never changed or removed',
      );
      await client.query('ROLLBACK TO SAVEPOINT attempt');
      const remove = await failureOf(client, 'DELETE FROM audit.events');
      expect(remove?.message).toContain('DELETE on audit.events is not allowed');
      await client.query('ROLLBACK TO SAVEPOINT attempt');
      const truncate = await failureOf(client, 'TRUNCATE audit.events');
      expect(truncate?.message).toContain('TRUNCATE on audit.events is not allowed');
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  });

  it('lets a later migration rewrite existing events', async () => {
    // The hash-chain migration renumbers and hashes events written before it.
    const applied = await migrate({ databaseUrl: database.url });
    expect(applied).toContain('0005_audit-chain');
    const rows = await query<{ seq: string }>(
      database.url,
      'SELECT seq FROM audit.events WHERE hash IS NOT NULL ORDER BY seq',
    );
    expect(rows.map((row) => Number(row.seq))).toEqual([1, 2]);
  });
});

describe('database roles on the embedded database', () => {
  it('creates the roles and enforces their grants', async () => {
    const dataDirectory = await mkdtemp(join(tmpdir(), 'palisade-pglite-roles-'));
    const embedded = await startEmbeddedPostgres({
      dataDirectory,
      host: '127.0.0.1',
      port: await findFreePort(),
    });
    try {
      await migrate({ databaseUrl: embedded.url });
      expect(await privilege(embedded.url, 'app.users', 'INSERT')).toBe(true);
      expect(await privilege(embedded.url, 'audit.events', 'UPDATE')).toBe(false);

      const error = await asRole(embedded.url, 'palisade_gatekeeper', async (client) => {
        const failure = await failureOf(client, 'DELETE FROM audit.events');
        // PGlite has one session for every connection, so the role is reset for the next one.
        await client.query('RESET ROLE');
        return failure;
      });
      expect(error?.message).toBe('permission denied for table events');
    } finally {
      await embedded.stop();
      await rm(dataDirectory, { recursive: true, force: true });
    }
  });
});
