import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { ensureDevelopmentPki, type DevelopmentPki } from '@palisade/identity';
import pg from 'pg';

import { migrate } from '../commands/migrate.js';
import { cliEntryPoint, serviceEntryPoints, telemetryPreload } from '../paths.js';
import { inventoryRole, prepareGatekeeperLogin } from './gatekeeper-login.js';
import { assertPortsFree, type PortClaim } from './ports.js';
import { acceptsConnections, answersOk, waitUntil } from './readiness.js';
import {
  developmentWorkloads,
  edgeEnvironment,
  gatekeeperEnvironment,
  idpEnvironment,
  inventoryEnvironment,
  issuerUrl,
  webClientSecretFile,
  webEnvironment,
} from './service-environments.js';
import { describeExit, ServiceProcess } from './service-process.js';
import type { DevSettings } from './settings.js';
import { writeWebClientSecret } from './web-client-secret.js';

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
    execArgv: string[] = [],
  ): ServiceProcess {
    const service = new ServiceProcess({
      name,
      entryPoint,
      env,
      args,
      execArgv,
      output: this.#output,
    });
    this.#services.push(service);
    void service.exited.then((exit) => {
      if (this.#stopping !== undefined) return;
      void this.stop(`${name} ${describeExit(exit)}; stopping the stack`);
    });
    return service;
  }

  /** Stops the services in reverse start order; the database goes last. */
  stop(failure?: string): Promise<void> {
    this.#stopping ??= (async () => {
      if (failure !== undefined) this.#output(failure);
      for (const service of [...this.#services].reverse()) await service.stop();
      this.#resolveExit(failure);
    })();
    return this.#stopping;
  }

  /** Rejects as soon as a launched service dies, so start-up does not wait out its timeout. */
  failureOf(service: ServiceProcess): Promise<never> {
    return service.exited.then((exit) => {
      throw new StartupError(
        `${service.name} ${describeExit(exit)} while starting; see its output above`,
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
 * then idp, gatekeeper, web and the edge, each waited for before the next starts.
 */
export async function startDevelopmentStack(
  settings: DevSettings,
  output: (line: string) => void,
  signal?: AbortSignal,
): Promise<StartedStack> {
  await assertBuilt();
  await assertPortsFree(portClaims(settings));

  const pki = await ensureDevelopmentPki(join(settings.home, 'pki'), developmentWorkloads);
  signal?.throwIfAborted();
  const stack = new DevelopmentStack(output);
  // Ctrl-C during start-up stops what has started, so no service outlives the supervisor.
  signal?.addEventListener('abort', () => void stack.stop(), { once: true });
  try {
    const databaseUrl = await startDatabase(stack, settings);
    const warn = (message: string) => output(`migrate    | warning: ${message}`);
    for (const name of await migrate({ databaseUrl, warn })) output(`migrate    | applied ${name}`);

    await startAndWait(stack, 'idp', idpEnvironment(settings), () =>
      answersOk(`${issuerUrl(settings)}/healthz`),
    );
    // On a server the gatekeeper logs in as its own role, never as the owner of the schemas.
    const login =
      settings.databaseUrl === undefined
        ? undefined
        : await prepareGatekeeperLogin(databaseUrl, settings.home, (error) =>
            output(`supervisor | gatekeeper password rotation failed: ${error.message}`),
          );
    void stack.exited.then(() => login?.stop());
    const gatekeeperEnv = gatekeeperEnvironment(settings, pki, databaseUrl, login);
    await startAndWait(
      stack,
      'gatekeeper',
      gatekeeperEnv,
      () => acceptsConnections(settings.host, settings.ports.gatekeeper),
      settings.cpuProfileDirectory,
    );
    // The inventory service takes part in the gatekeeper's sagas as a process of its own.
    const inventoryLogin =
      settings.databaseUrl === undefined
        ? undefined
        : await prepareGatekeeperLogin(
            databaseUrl,
            settings.home,
            (error) => output(`supervisor | inventory password rotation failed: ${error.message}`),
            inventoryRole,
          );
    void stack.exited.then(() => inventoryLogin?.stop());
    // Its admin port opens once it consumes commands.
    await startAndWait(
      stack,
      'inventory',
      inventoryEnvironment(settings, databaseUrl, inventoryLogin),
      () => answersOk(`http://${settings.host}:${settings.metricsPorts.inventory}/metrics`),
    );
    await writeWebClientSecret(webClientSecretFile(settings));
    await startAndWait(
      stack,
      'web',
      webEnvironment(settings, pki),
      () => answersOk(`http://${settings.host}:${settings.ports.web}/api/readyz`),
      settings.cpuProfileDirectory,
    );
    // The edge has no telemetry of its own, so it starts without the tracing preload.
    const edge = stack.launch('edge', serviceEntryPoints.edge, edgeEnvironment(settings));
    await Promise.race([
      waitUntil(
        'edge',
        () => answersOk(`http://${settings.host}:${settings.ports.edge}/healthz`),
        startTimeoutMs,
      ),
      stack.failureOf(edge),
    ]);
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
  cpuProfileDirectory?: string,
): Promise<void> {
  // Tracing must patch modules before the service imports them.
  const execArgv = ['--import', pathToFileURL(telemetryPreload).href];
  if (cpuProfileDirectory !== undefined) {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${cpuProfileDirectory}`);
  }
  const service = stack.launch(name, serviceEntryPoints[name], env, [], execArgv);
  await Promise.race([waitUntil(name, ready, startTimeoutMs), stack.failureOf(service)]);
}

async function startDatabase(stack: DevelopmentStack, settings: DevSettings): Promise<string> {
  if (settings.databaseUrl !== undefined) {
    await assertDatabaseReachable(settings.databaseUrl);
    return settings.databaseUrl;
  }

  const { host } = settings;
  const port = settings.ports.database;
  // The preload only turns console output into JSON lines here: tracing is off.
  const env = {
    OTEL_SDK_DISABLED: 'true',
    OTEL_SERVICE_NAME: 'database',
    LOG_FORMAT: settings.logFormat,
  };
  const preload = ['--import', pathToFileURL(telemetryPreload).href];
  const service = stack.launch(
    'database',
    cliEntryPoint,
    env,
    [
      'embedded-postgres',
      '--data',
      join(settings.home, 'pgdata'),
      '--host',
      host,
      '--port',
      String(port),
    ],
    preload,
  );
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
    { owner: 'edge', host, port: ports.edge, variable: 'EDGE_PORT' },
  ];
  const metrics = settings.metricsPorts;
  claims.push(
    { owner: 'idp metrics', host, port: metrics.idp, variable: 'IDP_METRICS_PORT' },
    {
      owner: 'gatekeeper metrics',
      host,
      port: metrics.gatekeeper,
      variable: 'GATEKEEPER_METRICS_PORT',
    },
    { owner: 'web metrics', host, port: metrics.web, variable: 'WEB_METRICS_PORT' },
    { owner: 'edge metrics', host, port: metrics.edge, variable: 'EDGE_METRICS_PORT' },
    {
      owner: 'inventory metrics',
      host,
      port: metrics.inventory,
      variable: 'INVENTORY_METRICS_PORT',
    },
  );
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
  const modules = { ...serviceEntryPoints, telemetry: telemetryPreload };
  for (const [name, entryPoint] of Object.entries(modules)) {
    try {
      await access(entryPoint);
    } catch {
      throw new StartupError(
        `${name} is not built (${entryPoint} is missing): run \`npm run build\` first`,
      );
    }
  }
}
