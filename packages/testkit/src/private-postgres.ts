import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { findFreePort } from '@palisade/cli';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of its own, started by a test on a free loopback port. Unlike the
 * machine's server, it checks passwords (scram-sha-256) on every TCP connection, so a test can
 * prove that a rotated password replaced the old one.
 */
export interface PrivatePostgres {
  /** Superuser URL with its password, for the test's own administration. */
  readonly url: string;
  readonly port: number;
  readonly superuserPassword: string;
  stop(): Promise<void>;
}

/** Finds `initdb` and `pg_ctl` of the newest PostgreSQL installed, or undefined when none is. */
export async function findPostgresBinaries(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = (await readdir(root)).filter((name) => /^\d+$/.test(name));
  versions.sort((a, b) => Number(b) - Number(a));
  const found = versions
    .map((version) => join(root, version, 'bin'))
    .find((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')));
  return found;
}

/**
 * Tells whether a private cluster can be started here. Under CI=true a missing PostgreSQL
 * installation is an error; elsewhere the caller skips and this prints one line saying why.
 */
export async function privatePostgresAvailable(): Promise<boolean> {
  if ((await findPostgresBinaries()) !== undefined) return true;
  const reason = 'no initdb under /usr/lib/postgresql/<version>/bin';
  if (process.env['CI'] === 'true') {
    throw new Error(`cannot start a private PostgreSQL cluster: ${reason}; CI needs it installed`);
  }
  process.stdout.write(
    `skipping password-checking PostgreSQL tests: ${reason}; install the postgresql package\n`,
  );
  return false;
}

/**
 * Creates and starts a cluster in a temporary folder: password authentication only, listening
 * on 127.0.0.1 and a socket in that folder. As root, it runs as the `postgres` user, because
 * initdb refuses to run as root.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = await findPostgresBinaries();
  if (bin === undefined) throw new Error('PostgreSQL is not installed under /usr/lib/postgresql');

  const folder = await mkdtemp(join(tmpdir(), 'palisade-private-pg-'));
  const dataDirectory = join(folder, 'data');
  const superuserPassword = randomBytes(18).toString('base64url');
  const passwordFile = join(folder, 'superuser-password');
  await writeFile(passwordFile, superuserPassword, { mode: 0o600 });

  const asOwner = userInfo().uid === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asOwner.length > 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(folder, Number(stdout.trim()), Number(group.trim()));
    await chown(passwordFile, Number(stdout.trim()), Number(group.trim()));
  }
  await chmod(folder, 0o700);
  const exec = (command: string, args: string[]) => {
    const [program, ...prefix] = [...asOwner, join(bin, command)];
    return run(program ?? command, [...prefix, ...args]);
  };

  await exec('initdb', [
    '--pgdata',
    dataDirectory,
    '--username',
    'postgres',
    '--pwfile',
    passwordFile,
    '--auth',
    'scram-sha-256',
    '--no-sync',
  ]);
  const port = await findFreePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${folder}'`,
    '-c fsync=off',
  ].join(' ');
  // The server log goes to a file: an inherited pipe would keep execFile waiting.
  const log = join(folder, 'server.log');
  await exec('pg_ctl', [
    '--pgdata',
    dataDirectory,
    '--log',
    log,
    '--options',
    settings,
    '--wait',
    'start',
  ]);

  return {
    url: `postgres://postgres:${superuserPassword}@127.0.0.1:${port}/postgres`,
    port,
    superuserPassword,
    async stop() {
      await exec('pg_ctl', ['--pgdata', dataDirectory, '--mode', 'fast', '--wait', 'stop']).catch(
        () => undefined,
      );
      await rm(folder, { recursive: true, force: true });
    },
  };
}
