import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { testServerUrl } from '@palisade/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { databasePoolConfig, databaseReadiness, readinessPoolConfig } from './database-pool.js';

describe('databasePoolConfig', () => {
  let folder: string;
  let passwordFile: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-inventory-pool-'));
    passwordFile = join(folder, 'password');
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('verifies the server with the CA bundle when one is set', async () => {
    const caFile = join(folder, 'ca.pem');
    await writeFile(caFile, '-----BEGIN CERTIFICATE-----\nexample\n');

    const config = databasePoolConfig('postgres://db.example/palisade', undefined, caFile);

    expect(config.ssl).toEqual({
      ca: '-----BEGIN CERTIFICATE-----\nexample\n',
      rejectUnauthorized: true,
    });
  });

  it('passes a URL whole when no password file is set', () => {
    const url = 'postgres://palisade_inventory:secret@db.example:5433/palisade';

    expect(databasePoolConfig(url, undefined)).toEqual({ connectionString: url });
  });

  it('splits the URL and reads the password file for each connection', async () => {
    const config = databasePoolConfig(
      'postgres://palisade_inventory@[::1]:5433/lab%20notes',
      passwordFile,
    );
    const password = config.password as () => Promise<string>;

    await writeFile(passwordFile, 'first\n');
    const first = await password();
    await writeFile(passwordFile, 'second\n');
    const second = await password();

    expect(config.connectionString).toBeUndefined();
    expect(config.host).toBe('::1');
    expect(config.port).toBe(5433);
    expect(config.database).toBe('lab notes');
    expect(config.user).toBe('palisade_inventory');
    expect(first).toBe('first');
    expect(second).toBe('second');
  });
});

describe('databaseReadiness', () => {
  it('reports nothing while the database responds', async () => {
    const pool = new pg.Pool({ connectionString: testServerUrl });

    expect(await databaseReadiness(pool)()).toEqual([]);
    await pool.end();
  });

  it('gives up within its timeout on a server that never answers', async () => {
    // Accepts connections and never sends a byte, as a hung database does.
    const silent: Server = createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const pool = new pg.Pool({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
      ...readinessPoolConfig(200),
    });
    const failures: unknown[] = [];
    const check = databaseReadiness(pool, (error) => failures.push(error));

    expect(await Promise.all([check(), check()])).toEqual([['database'], ['database']]);
    expect(failures).toHaveLength(2);
    expect(pool.totalCount).toBeLessThanOrEqual(1);
    await pool.end().catch(() => undefined);
    silent.close();
  });

  it('names the database when it cannot be reached', async () => {
    // Port 9 (discard) on loopback: nothing listens there.
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:9/test' });

    expect(await databaseReadiness(pool)()).toEqual(['database']);
    await pool.end();
  });
});
