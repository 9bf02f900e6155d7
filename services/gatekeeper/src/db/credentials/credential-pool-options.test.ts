import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { credentialPoolOptions } from './credential-pool-options.js';
import type { DatabaseCredentialProvider } from './database-credentials.js';

function provider(kind: 'file' | 'rds-iam', validitySeconds: number): DatabaseCredentialProvider {
  let next = 0;
  return {
    kind,
    validitySeconds,
    username: () => `user-${(next += 1)}`,
    password: () => Promise.resolve('current-password'),
    close: () => undefined,
  };
}

describe('credentialPoolOptions', () => {
  let folder: string;
  let caFile: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-pool-options-'));
    caFile = join(folder, 'ca.pem');
    await writeFile(caFile, 'CA PEM');
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('keeps the URL as it is without a provider', () => {
    const options = credentialPoolOptions({ connectionString: 'postgres://dev:pw@127.0.0.1/db' });
    expect(options).toEqual({ connectionString: 'postgres://dev:pw@127.0.0.1/db' });
  });

  it('takes only the address and database from the URL with a provider', () => {
    const options = credentialPoolOptions({
      connectionString: 'postgres://ignored@db.internal:6432/palisade',
      credentials: provider('file', 3600),
      maxLifetimeSeconds: 600,
    });
    expect(options.host).toBe('db.internal');
    expect(options.port).toBe(6432);
    expect(options.database).toBe('palisade');
    expect(options.user).toBeUndefined();
    expect(options.maxLifetimeSeconds).toBe(600);
  });

  it('asks the provider for each new client', async () => {
    const options = credentialPoolOptions({
      connectionString: 'postgres://db.internal/palisade',
      credentials: provider('file', 3600),
      maxLifetimeSeconds: 600,
    });
    const Client = options.Client as unknown as new () => pg.Client & {
      password: () => Promise<string>;
    };
    const first = new Client();
    const second = new Client();
    expect(first.user).toBe('user-1');
    expect(second.user).toBe('user-2');
    expect(await first.password()).toBe('current-password');
  });

  it('verifies the server with the CA file', () => {
    const options = credentialPoolOptions({
      connectionString: 'postgres://db.internal/palisade',
      credentials: provider('rds-iam', 900),
      tlsCaFile: caFile,
      maxLifetimeSeconds: 600,
    });
    expect(options.ssl).toEqual({ ca: 'CA PEM', rejectUnauthorized: true });
  });

  it('rejects RDS IAM credentials without TLS', () => {
    expect(() =>
      credentialPoolOptions({
        connectionString: 'postgres://db.internal/palisade',
        credentials: provider('rds-iam', 900),
        maxLifetimeSeconds: 600,
      }),
    ).toThrow('RDS IAM credentials need TLS: set DATABASE_TLS_CA_FILE');
  });

  it('rejects a lifetime as long as the credential validity', () => {
    expect(() =>
      credentialPoolOptions({
        connectionString: 'postgres://db.internal/palisade',
        credentials: provider('rds-iam', 900),
        tlsCaFile: caFile,
        maxLifetimeSeconds: 900,
      }),
    ).toThrow("the pool's maximum connection lifetime (900 s) must be below the 900 s");
  });

  it('rejects an unlimited lifetime for expiring credentials', () => {
    expect(() =>
      credentialPoolOptions({
        connectionString: 'postgres://db.internal/palisade',
        credentials: provider('file', 3600),
      }),
    ).toThrow("the pool's maximum connection lifetime (unlimited s)");
  });

  it('names a CA file that cannot be read', () => {
    expect(() =>
      credentialPoolOptions({
        connectionString: 'postgres://db.internal/palisade',
        tlsCaFile: join(folder, 'missing.pem'),
      }),
    ).toThrow(/^DATABASE_TLS_CA_FILE=".*missing.pem" cannot be read \(ENOENT\): check the path$/);
  });
});
