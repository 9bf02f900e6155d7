import { parseArgs } from 'node:util';

import { ConfigError } from '@palisade/config';

import { runCerts } from './commands/certs.js';
import { runDev } from './commands/dev.js';
import { runEmbeddedPostgres } from './commands/embedded-postgres.js';
import { migrate } from './commands/migrate.js';
import { PortTakenError } from './dev/ports.js';
import { StartupError } from './dev/supervisor.js';
import { DevelopmentTokenError, fetchDevelopmentToken } from './token.js';

const usage = `Usage: palisade <command> [options]

Commands:
  dev                  Run the whole stack locally (what \`npm start\` runs).
  migrate              Apply pending database migrations to DATABASE_URL.
  certs                Create or renew the development CA and workload certificates.
  token <username>     Print an access token for a seeded user (development IdP only).
                       --idp URL   IdP base URL (default PALISADE_IDP_URL or http://127.0.0.1:4000)
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'dev':
      return runDev();
    case 'migrate':
      return runMigrate();
    case 'certs':
      await runCerts();
      return 0;
    case 'token':
      return runToken(rest);
    case 'embedded-postgres':
      await runEmbeddedPostgres(parseEmbeddedPostgresArgs(rest));
      return -1;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function runMigrate(): Promise<number> {
  const databaseUrl = process.env['DATABASE_URL'];
  if (databaseUrl === undefined || databaseUrl === '') {
    throw new UsageError('DATABASE_URL is missing: set it to the database to migrate');
  }
  const applied = await migrate({ databaseUrl, log: (line) => process.stdout.write(`${line}\n`) });
  if (applied.length === 0) process.stdout.write('database is up to date\n');
  return 0;
}

async function runToken(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { idp: { type: 'string' } },
    allowPositionals: true,
  });
  const [username, ...extra] = positionals;
  if (username === undefined || extra.length > 0) {
    throw new UsageError('token takes one username, for example: palisade token alice');
  }
  const idpUrl = values.idp ?? process.env['PALISADE_IDP_URL'] ?? 'http://127.0.0.1:4000';
  process.stdout.write(`${await fetchDevelopmentToken(idpUrl, username)}\n`);
  return 0;
}

function parseEmbeddedPostgresArgs(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (values.data === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError('embedded-postgres needs --data DIR and --port 1..65535');
  }
  return { dataDirectory: values.data, host: values.host, port };
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const known =
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof PortTakenError ||
      error instanceof StartupError ||
      error instanceof DevelopmentTokenError;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(known ? `palisade: ${message}\n` : `palisade: failed: ${message}\n`);
    if (error instanceof UsageError) process.stderr.write(usage);
    process.exitCode = 1;
  },
);
