import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { ServiceError } from '@grpc/grpc-js';
import { rotateGatekeeperPassword } from '@palisade/cli';
import {
  bearerMetadata,
  connectGatekeeper,
  developmentIdentity,
  privatePostgresAvailable,
  startPrivatePostgres,
  startStack,
  tokenFor,
  type GatekeeperClients,
  type PrivatePostgres,
  type RunningStack,
} from '@palisade/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The machine's PostgreSQL trusts every local connection, so it would accept any password:
// these tests run on a cluster of their own that checks passwords.
const available = await privatePostgresAvailable();

interface LoadResult {
  readonly succeeded: number;
  readonly failures: string[];
}

/** Calls EnsureUser from `workers` loops until `untilMs`, counting successes and failures. */
async function steadyLoad(
  clients: GatekeeperClients,
  token: string,
  workers: number,
  untilMs: number,
): Promise<LoadResult> {
  const result = { succeeded: 0, failures: [] as string[] };
  // Profile updates, because each keeps a connection for its whole transaction. Cached reads
  // share one connection for their audit batch, so they would not make the pool grow.
  let updates = 0;
  const call = () =>
    new Promise<ServiceError | null>((resolve) => {
      updates += 1;
      clients.users.updateProfile(
        {
          userId: '',
          displayName: `Rotation ${updates}`,
          updateMask: ['display_name'],
          metadata: undefined,
        },
        bearerMetadata(token),
        { deadline: Date.now() + 5000 },
        (error) => resolve(error),
      );
    });
  const worker = async () => {
    while (Date.now() < untilMs) {
      const error = await call();
      if (error === null) result.succeeded += 1;
      else result.failures.push(`${error.code} ${error.details}`);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return result;
}

async function loginError(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe.runIf(available)('gatekeeper database password rotation', () => {
  let server: PrivatePostgres;
  let stack: RunningStack;
  let clients: GatekeeperClients;
  let passwordFile: string;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    stack = await startStack({ database: 'server', databaseServerUrl: server.url });
    clients = connectGatekeeper(stack, await developmentIdentity(stack, 'web'));
    passwordFile = join(stack.home, 'secrets', 'gatekeeper-database-password');
  });

  afterAll(async () => {
    clients?.close();
    await stack?.stop();
    await server?.stop();
  });

  /** Returns the gatekeeper's database URL with `password`, as its own login uses it. */
  const gatekeeperUrl = (password: string) => {
    const url = new URL(stack.databaseUrl);
    url.username = 'palisade_gatekeeper';
    url.password = password;
    return url.toString();
  };

  it('connects as its own role, never as the owner', async () => {
    const sessions = await stack.query<{ usename: string }>(
      `SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'palisade-gatekeeper'`,
    );
    expect(sessions).toEqual([{ usename: 'palisade_gatekeeper' }]);
  });

  it('keeps serving while its password rotates', async () => {
    const token = await tokenFor(stack, 'alice');
    const oldPassword = await readFile(passwordFile, 'utf8');
    expect(await loginError(gatekeeperUrl(oldPassword))).toBeUndefined();

    const start = Date.now();
    const steady = steadyLoad(clients, token, 2, start + 8000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rotatedAt = new Date();
    await rotateGatekeeperPassword(stack.databaseUrl, passwordFile);
    // More concurrent calls than open connections, so the pool opens new ones after the rotation.
    const burst = steadyLoad(clients, token, 12, start + 8000);
    const results = await Promise.all([steady, burst]);

    const failures = results.flatMap((result) => result.failures);
    const succeeded = results.reduce((sum, result) => sum + result.succeeded, 0);
    expect(failures).toEqual([]);
    expect(succeeded).toBeGreaterThan(100);

    const newPassword = await readFile(passwordFile, 'utf8');
    expect(newPassword).not.toBe(oldPassword);
    expect(await loginError(gatekeeperUrl(oldPassword))).toBe('28P01');
    expect(await loginError(gatekeeperUrl(newPassword))).toBeUndefined();

    const opened = await stack.query<{ count: string }>(
      `SELECT count(*) FROM pg_stat_activity
        WHERE application_name = 'palisade-gatekeeper' AND backend_start > $1`,
      [rotatedAt],
    );
    expect(Number(opened[0]?.count)).toBeGreaterThan(0);
  });

  it('sets a password that expires', async () => {
    const [role] = await stack.query<{ rolcanlogin: boolean; rolvaliduntil: Date | null }>(
      `SELECT rolcanlogin, rolvaliduntil FROM pg_roles WHERE rolname = 'palisade_gatekeeper'`,
    );
    expect(role?.rolcanlogin).toBe(true);
    const hoursLeft = ((role?.rolvaliduntil?.getTime() ?? 0) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23);
    expect(hoursLeft).toBeLessThanOrEqual(24);
  });

  it('stores the password only as a SCRAM verifier', async () => {
    const [role] = await stack.query<{ rolpassword: string }>(
      `SELECT rolpassword FROM pg_authid WHERE rolname = 'palisade_gatekeeper'`,
    );
    expect(role?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(role?.rolpassword).not.toContain(await readFile(passwordFile, 'utf8'));
  });
});
