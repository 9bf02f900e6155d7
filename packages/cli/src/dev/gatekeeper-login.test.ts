import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  privatePostgresAvailable,
  startPrivatePostgres,
  type PrivatePostgres,
} from '@palisade/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrate } from '../commands/migrate.js';
import { GatekeeperLoginError, prepareGatekeeperLogin, scramVerifier } from './gatekeeper-login.js';

const available = await privatePostgresAvailable();

describe('scramVerifier', () => {
  it('writes the stored format of PostgreSQL', () => {
    expect(scramVerifier('a-password')).toMatch(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/,
    );
  });

  it('salts each verifier differently', () => {
    expect(scramVerifier('a-password')).not.toBe(scramVerifier('a-password'));
  });
});

describe.runIf(available)('gatekeeper login on a PostgreSQL server', () => {
  let server: PrivatePostgres;
  let home: string;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    home = await mkdtemp(join(tmpdir(), 'palisade-login-'));
  });

  afterAll(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('needs the role that the migrations create', async () => {
    const error = await prepareGatekeeperLogin(server.url, home, () => undefined).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GatekeeperLoginError);
    expect((error as Error).message).toContain('role "palisade_gatekeeper" does not exist');
    expect((error as Error).message).toContain('run `palisade migrate`');
  });

  it('writes a password that logs in as the gatekeeper', async () => {
    await migrate({ databaseUrl: server.url });
    const login = await prepareGatekeeperLogin(server.url, home, () => undefined);
    try {
      expect(new URL(login.databaseUrl).username).toBe('palisade_gatekeeper');
      expect(new URL(login.databaseUrl).password).toBe('');
      expect(await readFile(login.usernameFile, 'utf8')).toBe('palisade_gatekeeper');
      expect((await stat(login.passwordFile)).mode & 0o777).toBe(0o600);
      expect((await stat(join(home, 'secrets'))).mode & 0o777).toBe(0o700);
      expect(login.validitySeconds).toBe(12 * 60 * 60);

      const url = new URL(login.databaseUrl);
      url.password = await readFile(login.passwordFile, 'utf8');
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      const result = await client.query<{ user: string }>('SELECT current_user AS user');
      await client.end();
      expect(result.rows[0]?.user).toBe('palisade_gatekeeper');
    } finally {
      login.stop();
    }
  });
});
