import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CredentialLogger } from '@palisade/credentials';
import {
  privatePostgresAvailable,
  startPrivatePostgres,
  type PrivatePostgres,
} from '@palisade/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fileCredentials } from '../src/db/credentials/file-credentials.js';
import { createPool } from '../src/db/pool.js';

const available = await privatePostgresAvailable();

function recordingLogger() {
  const warnings: string[] = [];
  const ignore = () => undefined;
  const logger: CredentialLogger = {
    debug: ignore,
    info: ignore,
    warn: (_fields, message) => void warnings.push(message),
    error: ignore,
  };
  return { logger, warnings };
}

describe.runIf(available)('gatekeeper pool with file credentials', () => {
  let server: PrivatePostgres;
  let folder: string;
  let passwordFile: string;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    folder = await mkdtemp(join(tmpdir(), 'palisade-pool-'));
    passwordFile = join(folder, 'password');
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`CREATE ROLE pool_test LOGIN PASSWORD 'right-password'`);
    await admin.end();
  });

  afterAll(async () => {
    await server?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  async function poolWith(password: string) {
    await writeFile(passwordFile, password);
    const { logger, warnings } = recordingLogger();
    const credentials = await fileCredentials({
      fallbackUsername: 'pool_test',
      passwordFile,
      validitySeconds: 3600,
      logger,
    });
    const pool = createPool({
      connectionString: `postgres://127.0.0.1:${server.port}/postgres`,
      credentials,
      maxLifetimeSeconds: 600,
      max: 2,
      statementTimeoutMs: 5000,
      logger,
    });
    return { pool, warnings };
  }

  it('connects with the password in the file', async () => {
    const { pool } = await poolWith('right-password');
    try {
      const result = await pool.query<{ user: string }>('SELECT current_user AS user');
      expect(result.rows[0]?.user).toBe('pool_test');
    } finally {
      await pool.end();
    }
  });

  it('retries a rejected login until the file is rotated', async () => {
    const { pool, warnings } = await poolWith('previous-password');
    try {
      setTimeout(() => void writeFile(passwordFile, 'right-password'), 400);
      const result = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(result.rows[0]?.one).toBe(1);
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0]).toBe('database login rejected; reading the credentials again');
    } finally {
      await pool.end();
    }
  });

  it('fails after its retries with the server error', async () => {
    const { pool, warnings } = await poolWith('wrong-password');
    try {
      const error = await pool.query('SELECT 1').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: '28P01' });
      expect(warnings).toHaveLength(3);
    } finally {
      await pool.end();
    }
  });
});
