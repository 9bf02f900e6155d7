import { parseArgs } from 'node:util';

import { ConfigError } from '@palisade/config';

import { runAuditVerify } from './commands/audit.js';
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
  audit verify         Check the hash chain of the audit trail in DATABASE_URL; exits 1 and
                       names the first changed, removed or reordered event when it is broken.
  token <username>     Print an access token for a seeded user (development IdP only).
                       --idp URL   IdP base URL (default PALISADE_IDP_URL, else
                                   http://127.0.0.1:IDP_PORT with IDP_PORT default 4000)
  reembed              Compute entry embeddings in DATABASE_URL with the configured embedder
                       (EMBEDDER, EMBEDDING_*), for entries that lack one from it.
                       --all            re-embed every entry
                       --batch-size N   entries per embedder call (default 32)
`;

class UsageError extends Error {}

/** A command that ran and failed for a reason its message states in full. */
class CommandFailedError extends Error {}

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
    case 'audit':
      return runAudit(rest);
    case 'reembed': {
      // Loaded on demand: it brings in the gatekeeper's modules, which no other command needs.
      const { runReembed } = await import('./commands/reembed.js');
      return runReembed(rest);
    }
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
  if (!URL.canParse(databaseUrl) || !/^postgres(ql)?:$/.test(new URL(databaseUrl).protocol)) {
    throw new UsageError('DATABASE_URL is not a postgres:// URL such as postgres://user@host/db');
  }
  const applied = await migrate({
    databaseUrl,
    log: (line) => process.stdout.write(`${line}\n`),
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  }).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CommandFailedError(`migration of DATABASE_URL failed: ${reason}`);
  });
  if (applied.length === 0) process.stdout.write('database is up to date\n');
  return 0;
}

function runAudit(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] !== 'verify') {
    throw new UsageError('audit takes one subcommand: palisade audit verify');
  }
  const databaseUrl = process.env['DATABASE_URL'];
  if (databaseUrl === undefined || databaseUrl === '') {
    throw new UsageError(
      'DATABASE_URL is missing: set it to the database whose audit trail to check',
    );
  }
  return runAuditVerify(databaseUrl);
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
  const idpUrl =
    values.idp ??
    process.env['PALISADE_IDP_URL'] ??
    `http://127.0.0.1:${process.env['IDP_PORT'] ?? '4000'}`;
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
      error instanceof CommandFailedError ||
      error instanceof ConfigError ||
      error instanceof PortTakenError ||
      error instanceof StartupError ||
      error instanceof DevelopmentTokenError;
    const message = error instanceof Error ? error.message : String(error);
    // A ConfigError's message already starts with the command's name.
    const prefix = error instanceof ConfigError ? '' : known ? 'palisade: ' : 'palisade: failed: ';
    process.stderr.write(`${prefix}${message}\n`);
    if (error instanceof UsageError && !message.startsWith('migration'))
      process.stderr.write(usage);
    process.exitCode = 1;
  },
);
