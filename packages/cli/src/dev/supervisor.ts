import { access } from 'node:fs/promises';
import { join } from 'node:path';

import { ensureDevelopmentPki, type DevelopmentPki } from '@palisade/identity';
import pg from 'pg';

import { migrate } from '../commands/migrate.js';
import { cliEntryPoint, serviceEntryPoints } from '../paths.js';
import { assertPortsFree, type PortClaim } from './ports.js';
import { acceptsConnections, answersOk, waitUntil } from './readiness.js';
import {
  developmentWorkloads,
  gatekeeperEnvironment,
  idpEnvironment,
  issuerUrl,
  webEnvironment,
} from './service-environments.js';
import { ServiceProcess } from './service-process.js';
import type { DevSettings } from './settings.js';

const startTimeoutMs = 60_000;

/** Thrown for a problem the user fixes before starting again; the message names the fix. */
export class StartupError extends Error {
  readonly code = 'STARTUP_FAILED';
}

/**
 * The running development stack: every service in its own process, stopped
 * together. `exited` resolves when the stack has stopped, with a failure
 * message when a service died on its own.
 */
export class DevelopmentStack {
  readonly #services: ServiceProcess[] = [];
  readonly #output: (line: string) => void;
  #stopping: Promise<void> | undefined;
  #resolveExit!: (failure: string | undefined) => void;
  readonly exited = new Promise<string | undefined>((resolve) => (this.#resolveExit = resolve));

  constructor(output: (line: string) => void) {
    this.#output = output;
  }

  /** Starts a service and watches it: if it dies while the stack runs, everything stops. */
  launch(
    name: string,
    entryPoint: string,
    env: Record<string, string>,
    args: string[] = [],
  ): ServiceProcess {
    const service = new ServiceProcess({ name, entryPoint, env, args, output: this.#output });
    this.#services.push(service);
    void service.exited.then((code) => {
      if (this.#stopping !== undefined) return;
      const failure = `${name} exited with code ${code}; stopping the stack`;
      this.#output(failure);
      void this.stop(failure);
    });
    return service;
  }

  /** Stops the services in reverse start order; the database goes last. */
  stop(failure?: string): Promise<void> {
    this.#stopping ??= (async () => {
      for (const service of [...this.#services].reverse()) await service.stop();
      this.#resolveExit(failure);
    })();
    return this.#stopping;
  }

  /** Rejects as soon as a launched service dies, so start-up does not wait out its timeout. */
  failureOf(service: ServiceProcess): Promise<never> {
    return service.exited.then((code) => {
      throw new StartupError(
        `${service.name} exited with code ${code} while starting; see its output above`,
      );
    });
  }
}

export interface StartedStack {
  readonly stack: DevelopmentStack;
  readonly databaseUrl: string;
  readonly pki: DevelopmentPki;
}

/**
 * Starts the whole development stack: certificates, database, migrations,
 * then idp, gatekeeper and web, each waited for before the next starts.
 */
export async function startDevelopmentStack(
  settings: DevSettings,
  output: (line: string) => void,
): Promise<StartedStack> {
  await assertBuilt();
  await assertPortsFree(portClaims(settings));

  const pki = await ensureDevelopmentPki(join(settings.home, 'pki'), developmentWorkloads);
  const stack = new DevelopmentStack(output);
  try {
    const databaseUrl = await startDatabase(stack, settings);
    for (const name of await migrate({ databaseUrl })) output(`migrate    | applied ${name}`);

    await startAndWait(stack, 'idp', idpEnvironment(settings), () =>
      answersOk(`${issuerUrl(settings)}/healthz`),
    );
    await startAndWait(stack, 'gatekeeper', gatekeeperEnvironment(settings, pki, databaseUrl), () =>
      acceptsConnections(settings.host, settings.ports.gatekeeper),
    );
    await startAndWait(stack, 'web', webEnvironment(settings, pki), () =>
      answersOk(`http://${settings.host}:${settings.ports.web}/api/readyz`),
    );
    return { stack, databaseUrl, pki };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

async function startAndWait(
  stack: DevelopmentStack,
  name: keyof typeof serviceEntryPoints,
  env: Record<string, string>,
  ready: () => Promise<boolean>,
): Promise<void> {
  const service = stack.launch(name, serviceEntryPoints[name], env);
  await Promise.race([waitUntil(name, ready, startTimeoutMs), stack.failureOf(service)]);
}

async function startDatabase(stack: DevelopmentStack, settings: DevSettings): Promise<string> {
  if (settings.databaseUrl !== undefined) {
    await assertDatabaseReachable(settings.databaseUrl);
    return settings.databaseUrl;
  }

  const { host } = settings;
  const port = settings.ports.database;
  const service = stack.launch('database', cliEntryPoint, {}, [
    'embedded-postgres',
    '--data',
    join(settings.home, 'pgdata'),
    '--host',
    host,
    '--port',
    String(port),
  ]);
  await Promise.race([
    waitUntil('embedded PostgreSQL', () => acceptsConnections(host, port), startTimeoutMs),
    stack.failureOf(service),
  ]);
  return `postgres://postgres@${host}:${port}/postgres`;
}

async function assertDatabaseReachable(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError(
      `cannot reach PostgreSQL at DATABASE_URL (${redactPassword(databaseUrl)}): ${reason}; start the server or unset DATABASE_URL to use the embedded database`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function portClaims(settings: DevSettings): PortClaim[] {
  const { host, ports } = settings;
  const claims: PortClaim[] = [
    { owner: 'idp', host, port: ports.idp, variable: 'IDP_PORT' },
    { owner: 'gatekeeper', host, port: ports.gatekeeper, variable: 'GATEKEEPER_PORT' },
    { owner: 'web', host, port: ports.web, variable: 'WEB_PORT' },
  ];
  if (settings.databaseUrl === undefined) {
    claims.push({
      owner: 'embedded PostgreSQL',
      host,
      port: ports.database,
      variable: 'PALISADE_DATABASE_PORT',
    });
  }
  return claims;
}

async function assertBuilt(): Promise<void> {
  for (const [name, entryPoint] of Object.entries(serviceEntryPoints)) {
    try {
      await access(entryPoint);
    } catch {
      throw new StartupError(
        `${name} is not built (${entryPoint} is missing): run \`npm run build\` first`,
      );
    }
  }
}
