import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { findFreePort } from '@palisade/cli';
import pg from 'pg';

import { createScratchDatabase, type ScratchDatabase } from './postgres-server.js';
import { testRedisUrl } from './redis-server.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliEntryPoint = resolve(repositoryRoot, 'packages/cli/dist/main.js');
const readyTimeoutMs = 90_000;

export type DatabaseKind = 'embedded' | 'server';

/** `embedded`: each service keeps its own in-memory store; `server`: they share the test Redis. */
export type RedisKind = 'embedded' | 'server';

export interface StackOptions {
  readonly database: DatabaseKind;
  /** Default `embedded`. A `server` stack gets its own key prefix, so parallel stacks never meet. */
  readonly redis?: RedisKind;
  /** Variables for `palisade dev` on top of the defaults, such as LOG_LEVEL or PALISADE_TRACES_DIR. */
  readonly env?: Readonly<Record<string, string>>;
  /** PostgreSQL server of a `server` stack's scratch database; the test server by default. */
  readonly databaseServerUrl?: string;
  /**
   * Public origin of browser logins: `web` (default) keeps the web tier's own URL, and `edge`
   * puts the edge in front as `npm start` does.
   */
  readonly publicOrigin?: 'web' | 'edge';
}

/**
 * The whole stack started by `palisade dev` in a child process, on free ports
 * and a temporary home folder, exactly as `npm start` runs it.
 */
export interface RunningStack {
  readonly database: DatabaseKind;
  readonly home: string;
  readonly webUrl: string;
  /** The edge: the built frontend and /api/* proxied to the web tier. */
  readonly edgeUrl: string;
  readonly idpUrl: string;
  readonly gatekeeperAddress: string;
  readonly databaseUrl: string;
  /** URLs of each service's GET /metrics on its admin port. */
  readonly metricsUrls: {
    readonly web: string;
    readonly gatekeeper: string;
    readonly idp: string;
    readonly inventory: string;
    readonly edge: string;
  };
  /** Every output line so far, for failure messages. */
  readonly output: readonly string[];
  /**
   * Resolves with the output once a line contains `text`; rejects after `timeoutMs`. Services
   * write their log lines in batches, up to 100 ms after the event.
   */
  outputContaining(text: string, timeoutMs?: number): Promise<string>;
  /** Runs SQL on the stack's database, as a test's independent observer. */
  query<Row extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<Row[]>;
  stop(): Promise<void>;
}

/** Attempts of {@link startStack} when a service finds its port taken. */
const startAttempts = 3;

/**
 * Starts `palisade dev` on free ports. A port is free when it is picked and may be taken by
 * another process before the service binds it, since test files start stacks in parallel. A
 * stack that fails on a taken port is therefore started again on new ports, twice at most.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startStackOnce(options);
    } catch (error) {
      // palisade dev checks each port before it starts, and a service that loses the race
      // afterwards fails with EADDRINUSE.
      const portTaken =
        error instanceof Error && /EADDRINUSE|is already in use/.test(error.message);
      if (!portTaken || attempt === startAttempts) throw error;
    }
  }
}

async function startStackOnce(options: StackOptions): Promise<RunningStack> {
  const home = await mkdtemp(join(tmpdir(), 'palisade-test-'));
  const ports = {
    web: await findFreePort(),
    edge: await findFreePort(),
    gatekeeper: await findFreePort(),
    idp: await findFreePort(),
    database: await findFreePort(),
    webMetrics: await findFreePort(),
    gatekeeperMetrics: await findFreePort(),
    idpMetrics: await findFreePort(),
    inventoryMetrics: await findFreePort(),
    edgeMetrics: await findFreePort(),
  };
  const scratch: ScratchDatabase | undefined =
    options.database === 'server'
      ? await createScratchDatabase(options.databaseServerUrl)
      : undefined;
  const databaseUrl = scratch?.url ?? `postgres://postgres@127.0.0.1:${ports.database}/postgres`;

  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    PALISADE_HOME: home,
    WEB_PORT: String(ports.web),
    EDGE_PORT: String(ports.edge),
    WEB_PUBLIC_ORIGIN: `http://127.0.0.1:${options.publicOrigin === 'edge' ? ports.edge : ports.web}`,
    GATEKEEPER_PORT: String(ports.gatekeeper),
    IDP_PORT: String(ports.idp),
    PALISADE_DATABASE_PORT: String(ports.database),
    WEB_METRICS_PORT: String(ports.webMetrics),
    GATEKEEPER_METRICS_PORT: String(ports.gatekeeperMetrics),
    IDP_METRICS_PORT: String(ports.idpMetrics),
    INVENTORY_METRICS_PORT: String(ports.inventoryMetrics),
    EDGE_METRICS_PORT: String(ports.edgeMetrics),
    LOG_LEVEL: process.env['PALISADE_TEST_LOG_LEVEL'] ?? 'warn',
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    ...(options.redis === 'server'
      ? { REDIS_URL: testRedisUrl, REDIS_KEY_PREFIX: `palisade-test-${randomUUID()}:` }
      : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, [cliEntryPoint, 'dev'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  try {
    await waitForReady(child, output);
  } catch (error) {
    await stopChild(child);
    await scratch?.drop();
    await rm(home, { recursive: true, force: true });
    throw error;
  }

  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  // pool.end() resolves before its connection closes, so dropping the scratch database in stop()
  // can terminate it (57P01). The pool re-emits that as 'error', which would be uncaught.
  pool.on('error', () => undefined);
  return {
    database: options.database,
    home,
    webUrl: `http://127.0.0.1:${ports.web}`,
    edgeUrl: `http://127.0.0.1:${ports.edge}`,
    idpUrl: `http://127.0.0.1:${ports.idp}`,
    gatekeeperAddress: `127.0.0.1:${ports.gatekeeper}`,
    metricsUrls: {
      web: `http://127.0.0.1:${ports.webMetrics}/metrics`,
      gatekeeper: `http://127.0.0.1:${ports.gatekeeperMetrics}/metrics`,
      idp: `http://127.0.0.1:${ports.idpMetrics}/metrics`,
      inventory: `http://127.0.0.1:${ports.inventoryMetrics}/metrics`,
      edge: `http://127.0.0.1:${ports.edgeMetrics}/metrics`,
    },
    databaseUrl,
    output,
    async outputContaining(text: string, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.some((line) => line.includes(text))) {
        if (Date.now() > deadline) {
          throw new Error(`no output line contains ${JSON.stringify(text)} after ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return output.join('\n');
    },
    async query<Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []) {
      return (await pool.query<Row>(sql, values)).rows;
    },
    async stop() {
      await pool.end();
      await stopChild(child);
      await scratch?.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

function waitForReady(child: ChildProcess, output: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`palisade dev not ready after ${readyTimeoutMs} ms:\n${output.join('\n')}`));
    }, readyTimeoutMs);

    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (line === 'Palisade is ready.') {
          clearTimeout(timer);
          resolvePromise();
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`palisade dev exited with code ${code} before ready:\n${output.join('\n')}`),
      );
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
