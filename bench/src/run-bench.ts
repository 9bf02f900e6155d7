import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { startStack, tokenFor, type DatabaseKind, type RunningStack } from '@palisade/testkit';

import { liveHeapMetric } from '@palisade/telemetry';

import {
  bucketQuantileMs,
  parseBuckets,
  parseGauge,
  subtractBuckets,
  type Buckets,
} from './histogram-metrics.js';
import {
  runClosedLoop,
  runFixedRate,
  type LoadResult,
  type RequestTemplate,
} from './load-generator.js';
import { findProcess, sampleProcess, type ProcessSample } from './process-stats.js';
import {
  renderReport,
  type FloorMeasurement,
  type Measurement,
  type SoakResult,
} from './report.js';
import { createFloorPki, floorTransports, runFloor, startFloorServer } from './transport-floor.js';

// Compiled to bench/dist/src/, beside the baseline server.
const benchRoot = fileURLToPath(new URL('../../', import.meta.url));
const baselineEntryPoint = fileURLToPath(new URL('baseline-server.js', import.meta.url));
const hopMetric = 'palisade_web_gatekeeper_call_duration_seconds';
const gatekeeperCallMetric = 'palisade_gatekeeper_grpc_request_duration_seconds';
const hopWithoutDatabaseMetric = 'palisade_web_gatekeeper_hop_duration_seconds';

/** Benchmark settings, each from an environment variable with a default. */
interface BenchSettings {
  readonly durationMs: number;
  /** Unmeasured closed-loop run of each scenario on each side before the first round. */
  readonly warmUpMs: number;
  readonly connections: readonly number[];
  readonly databases: readonly DatabaseKind[];
  readonly rounds: number;
  /** `warm`: a stack with the profile cache; `off`: one with GATEKEEPER_CACHE_TTL_SECONDS=0. */
  readonly cacheModes: readonly ('warm' | 'off')[];
  /** Connections of the fixed-rate run; 0 skips it. */
  readonly fixedRateConnections: number;
  /** Fixed rate as a share of the slower side's closed-loop throughput at those connections. */
  readonly fixedRateShare: number;
  readonly soakSeconds: number;
  readonly logLevel: string;
  readonly cpuProfileDirectory: string | undefined;
  /** Verified-token cache size of the baseline; undefined keeps the verifier's default. */
  readonly baselineTokenCacheMaxEntries: string | undefined;
  readonly output: string;
}

function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const list = (value: string) => value.split(',').map((item) => item.trim());
  return {
    durationMs: Number(env['BENCH_DURATION_SECONDS'] ?? '5') * 1000,
    warmUpMs: Number(env['BENCH_WARM_UP_SECONDS'] ?? '5') * 1000,
    connections: list(env['BENCH_CONNECTIONS'] ?? '1,10,50,200').map(Number),
    databases: list(env['BENCH_DATABASES'] ?? 'server,embedded') as DatabaseKind[],
    rounds: Number(env['BENCH_ROUNDS'] ?? '2'),
    cacheModes: list(env['BENCH_CACHE_MODES'] ?? 'warm,off') as ('warm' | 'off')[],
    fixedRateConnections: Number(env['BENCH_FIXED_RATE_CONNECTIONS'] ?? '50'),
    fixedRateShare: Number(env['BENCH_FIXED_RATE_SHARE'] ?? '0.5'),
    soakSeconds: Number(env['BENCH_SOAK_SECONDS'] ?? '0'),
    logLevel: env['BENCH_LOG_LEVEL'] ?? 'info',
    cpuProfileDirectory: env['BENCH_CPU_PROFILE_DIR'],
    baselineTokenCacheMaxEntries: env['BENCH_BASELINE_TOKEN_CACHE_MAX_ENTRIES'],
    output: env['BENCH_OUTPUT'] ?? join(benchRoot, 'results', 'latest.md'),
  };
}

type Scenario = 'GET /api/me (cache warm)' | 'GET /api/me (cache off)' | 'PATCH /api/me';

interface Target {
  readonly name: 'palisade' | 'baseline';
  readonly url: string;
  /** Processes whose CPU time is charged to this target, by role. */
  readonly pids: Readonly<Record<string, number>>;
}

function templateOf(scenario: Scenario, token: string): RequestTemplate {
  const headers = { authorization: `Bearer ${token}` };
  if (scenario === 'PATCH /api/me') {
    return {
      method: 'PATCH',
      path: '/api/me',
      headers,
      body: (n) => JSON.stringify({ displayName: `Bench User ${n % 1000}` }),
    };
  }
  return { method: 'GET', path: '/api/me', headers };
}

async function sampleAll(pids: Readonly<Record<string, number>>) {
  const samples: Record<string, ProcessSample> = {};
  for (const [role, pid] of Object.entries(pids)) samples[role] = await sampleProcess(pid);
  return samples;
}

interface HopBuckets {
  readonly hop: Buckets;
  readonly inGatekeeper: Buckets;
  readonly withoutDatabase: Buckets;
}

/**
 * Buckets of the hop as the web tier measures it, of the same calls inside the gatekeeper, and of
 * the hop less the gatekeeper's database time.
 */
async function hopBuckets(stack: RunningStack): Promise<HopBuckets> {
  const [web, gatekeeper] = await Promise.all(
    [stack.metricsUrls.web, stack.metricsUrls.gatekeeper].map(async (url) =>
      (await fetch(url)).text(),
    ),
  );
  return {
    hop: parseBuckets(web ?? '', hopMetric, 'method='),
    inGatekeeper: parseBuckets(gatekeeper ?? '', gatekeeperCallMetric, 'method='),
    withoutDatabase: parseBuckets(web ?? '', hopWithoutDatabaseMetric, 'method='),
  };
}

async function measure(
  stack: RunningStack,
  target: Target,
  scenario: Scenario,
  connections: number,
  run: (template: RequestTemplate) => Promise<LoadResult>,
  mode: 'closed' | 'fixed-rate',
): Promise<Measurement> {
  const token = await tokenFor(stack, 'alice');
  const template = templateOf(scenario, token);
  const load = os.loadavg()[0] ?? NaN;
  const hopBefore = target.name === 'palisade' ? await hopBuckets(stack) : undefined;
  const before = await sampleAll(target.pids);
  const result = await run(template);
  const after = await sampleAll(target.pids);
  const hopAfter = hopBefore === undefined ? undefined : await hopBuckets(stack);
  const hop =
    hopBefore === undefined || hopAfter === undefined
      ? undefined
      : {
          hop: subtractBuckets(hopAfter.hop, hopBefore.hop),
          inGatekeeper: subtractBuckets(hopAfter.inGatekeeper, hopBefore.inGatekeeper),
          withoutDatabase: subtractBuckets(hopAfter.withoutDatabase, hopBefore.withoutDatabase),
        };

  const cpuMsPerRequest: Record<string, number> = {};
  for (const role of Object.keys(target.pids)) {
    const used = (after[role]?.cpuMs ?? NaN) - (before[role]?.cpuMs ?? NaN);
    cpuMsPerRequest[role] = used / Math.max(1, result.requests);
  }
  return {
    database: stack.database,
    target: target.name,
    scenario,
    mode,
    connections,
    loadAverage: load,
    result,
    cpuMsPerRequest,
    ...(hop === undefined
      ? {}
      : {
          hopP50Ms: bucketQuantileMs(hop.hop, 0.5),
          hopP99Ms: bucketQuantileMs(hop.hop, 0.99),
          gatekeeperP50Ms: bucketQuantileMs(hop.inGatekeeper, 0.5),
          gatekeeperP99Ms: bucketQuantileMs(hop.inGatekeeper, 0.99),
          hopWithoutDatabaseP50Ms: bucketQuantileMs(hop.withoutDatabase, 0.5),
          hopWithoutDatabaseP99Ms: bucketQuantileMs(hop.withoutDatabase, 0.99),
        }),
  };
}

function startBaseline(
  stack: RunningStack,
  poolMax: number,
  tokenCacheMaxEntries: string | undefined,
): Promise<ChildProcess & { port: number }> {
  const child = spawn(process.execPath, [baselineEntryPoint], {
    env: {
      PATH: process.env['PATH'],
      BASELINE_DATABASE_URL: stack.databaseUrl,
      BASELINE_POOL_MAX: String(poolMax),
      OIDC_ISSUER: stack.idpUrl,
      ...(tokenCacheMaxEntries === undefined
        ? {}
        : { BASELINE_TOKEN_CACHE_MAX_ENTRIES: tokenCacheMaxEntries }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    if (child.stdout === null) throw new Error('baseline has no stdout');
    createInterface({ input: child.stdout }).on('line', (line) => {
      const port = /^baseline listening on (\d+)$/.exec(line)?.[1];
      if (port !== undefined) resolve(Object.assign(child, { port: Number(port) }));
    });
    child.once('exit', (code) => reject(new Error(`baseline exited with code ${code}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Runs every scenario against every target before anything is measured, so that the first round
 * does not pay for the JIT compiler, pool connections or the first cache fill of one side only.
 */
async function warmUp(
  stack: RunningStack,
  targets: readonly Target[],
  scenarios: readonly Scenario[],
  durationMs: number,
): Promise<void> {
  const token = await tokenFor(stack, 'alice');
  for (const target of targets) {
    for (const scenario of scenarios) {
      const result = await runClosedLoop(target.url, templateOf(scenario, token), 10, durationMs);
      if (result.errors > 0) {
        throw new Error(`warm-up of ${target.name} failed: ${result.errorSamples.join('; ')}`);
      }
    }
  }
}

async function soak(
  stack: RunningStack,
  palisade: Target,
  seconds: number,
  rate: number,
): Promise<SoakResult> {
  const token = await tokenFor(stack, 'alice');
  const rss: Record<string, number[]> = { web: [], gatekeeper: [] };
  const liveHeap: Record<string, number[]> = { web: [], gatekeeper: [] };
  const metricsUrls: Record<string, string | undefined> = {
    web: stack.metricsUrls.web,
    gatekeeper: stack.metricsUrls.gatekeeper,
  };
  const record = async () => {
    const samples = await sampleAll(palisade.pids);
    for (const role of Object.keys(rss)) {
      rss[role]?.push(samples[role]?.rssBytes ?? NaN);
      liveHeap[role]?.push(await readGauge(metricsUrls[role], liveHeapMetric));
    }
  };
  await record();
  const timer = setInterval(() => void record(), 10_000);
  const result = await runFixedRate(
    palisade.url,
    templateOf('GET /api/me (cache warm)', token),
    50,
    rate,
    seconds * 1000,
  );
  clearInterval(timer);
  await record();
  return {
    seconds,
    rate,
    loadAverage: os.loadavg()[0] ?? NaN,
    result,
    rssBytes: rss,
    liveHeapBytes: liveHeap,
  };
}

/** Reads a gauge from a metrics endpoint, or returns NaN when the endpoint or gauge is missing. */
async function readGauge(url: string | undefined, name: string): Promise<number> {
  if (url === undefined) return NaN;
  try {
    return parseGauge(await (await fetch(url)).text(), name);
  } catch {
    return NaN;
  }
}

async function benchDatabase(
  settings: BenchSettings,
  database: DatabaseKind,
  cache: 'warm' | 'off',
  measurements: Measurement[],
  soaks: SoakResult[],
): Promise<void> {
  const stack = await startStack({
    database,
    redis: database === 'server' ? 'server' : 'embedded',
    env: {
      LOG_LEVEL: settings.logLevel,
      LOG_FORMAT: 'json',
      // The benchmark sends every request as one user from one address.
      WEB_RATE_LIMIT_PER_USER: '1000000000',
      WEB_RATE_LIMIT_PER_ADDRESS: '1000000000',
      ...(cache === 'off' ? { GATEKEEPER_CACHE_TTL_SECONDS: '0' } : {}),
      ...(settings.cpuProfileDirectory === undefined
        ? {}
        : { PALISADE_CPU_PROFILE_DIR: join(settings.cpuProfileDirectory, `${database}-${cache}`) }),
    },
  });
  // The baseline gets the gatekeeper's pool size: 10 on a server, 1 on the embedded database.
  const baseline = await startBaseline(
    stack,
    database === 'server' ? 10 : 1,
    settings.baselineTokenCacheMaxEntries,
  );
  try {
    const webPort = new URL(stack.webUrl).port;
    const gatekeeperPort = stack.gatekeeperAddress.split(':')[1] ?? '';
    const palisade: Target = {
      name: 'palisade',
      url: stack.webUrl,
      pids: {
        web: await findProcess('services/web/dist/main.js', `WEB_PORT=${webPort}`),
        gatekeeper: await findProcess(
          'services/gatekeeper/dist/main.js',
          `GATEKEEPER_PORT=${gatekeeperPort}`,
        ),
      },
    };
    const direct: Target = {
      name: 'baseline',
      url: `http://127.0.0.1:${baseline.port}`,
      pids: { baseline: baseline.pid ?? NaN },
    };
    const scenarios: Scenario[] =
      cache === 'warm'
        ? ['GET /api/me (cache warm)']
        : ['GET /api/me (cache off)', 'PATCH /api/me'];
    await warmUp(stack, [palisade, direct], scenarios, settings.warmUpMs);
    for (const scenario of scenarios) {
      for (const connections of settings.connections) {
        for (let round = 0; round < settings.rounds; round += 1) {
          for (const target of [palisade, direct]) {
            const measurement = await measure(
              stack,
              target,
              scenario,
              connections,
              (template) => runClosedLoop(target.url, template, connections, settings.durationMs),
              'closed',
            );
            measurements.push(measurement);
            process.stdout.write(`${JSON.stringify(measurement)}\n`);
          }
        }
      }

      const fixedConnections = settings.fixedRateConnections;
      if (fixedConnections === 0) continue;
      const closedAt = (name: Target['name']) =>
        measurements
          .filter(
            (m) =>
              m.database === database &&
              m.scenario === scenario &&
              m.mode === 'closed' &&
              m.target === name &&
              m.connections === fixedConnections,
          )
          .map((m) => m.result.requestsPerSecond);
      const closedRates = [...closedAt('palisade'), ...closedAt('baseline')];
      // The rate derives from the closed-loop runs at the same connections; without them, skip.
      if (closedRates.length === 0) continue;
      const slowest = Math.min(...closedRates);
      const rate = Math.max(10, Math.round(slowest * settings.fixedRateShare));
      for (let round = 0; round < settings.rounds; round += 1) {
        for (const target of [palisade, direct]) {
          const measurement = await measure(
            stack,
            target,
            scenario,
            fixedConnections,
            (template) =>
              runFixedRate(target.url, template, fixedConnections, rate, settings.durationMs),
            'fixed-rate',
          );
          const fixedRateMeasurement = { ...measurement, rate };
          measurements.push(fixedRateMeasurement);
          process.stdout.write(`${JSON.stringify(fixedRateMeasurement)}\n`);
        }
      }
      if (cache === 'warm' && settings.soakSeconds > 0) {
        const soakResult = await soak(stack, palisade, settings.soakSeconds, rate);
        soaks.push(soakResult);
        process.stdout.write(`${JSON.stringify(soakResult)}\n`);
      }
    }
  } finally {
    await stopChild(baseline);
    await stack.stop();
  }
}

/**
 * Measures the transport floor at each rate of the fixed-rate runs, `settings.rounds` times per
 * transport, after the stacks have stopped, so that the floor has the machine to itself. Each
 * round goes into `floors` as it ends, so a failure keeps the rounds before it.
 */
async function measureTransportFloor(
  settings: BenchSettings,
  rates: readonly number[],
  floors: FloorMeasurement[],
): Promise<void> {
  const directory = await mkdtemp(join(os.tmpdir(), 'palisade-floor-'));
  try {
    const pki = await createFloorPki(directory);
    const server = await startFloorServer(pki);
    try {
      for (const rate of rates) {
        for (let round = 0; round < settings.rounds; round += 1) {
          for (const transport of floorTransports) {
            const loadAverage = os.loadavg()[0] ?? NaN;
            const result = await runFloor(transport, server, pki, rate, settings.durationMs);
            const floor = { transport, rate, loadAverage, result };
            floors.push(floor);
            process.stdout.write(`${JSON.stringify(floor)}\n`);
          }
        }
      }
    } finally {
      await server.stop();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function commandOutput(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim();
  } catch {
    return '(unavailable)';
  }
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const measurements: Measurement[] = [];
  const soaks: SoakResult[] = [];
  const floors: FloorMeasurement[] = [];
  const startedAt = new Date().toISOString();
  const failures: string[] = [];
  for (const database of settings.databases) {
    for (const cache of settings.cacheModes) {
      // A stack that fails to start (such as on an overloaded machine) skips its rows only.
      try {
        await benchDatabase(settings, database, cache, measurements, soaks);
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        failures.push(`${database} stack, cache ${cache}: ${reason}`);
        process.stderr.write(`benchmark of the ${database} stack failed: ${reason}\n`);
      }
      await writeResults(settings, startedAt, measurements, soaks, floors, failures);
    }
  }
  const rates = [...new Set(measurements.flatMap((m) => (m.rate === undefined ? [] : [m.rate])))];
  if (rates.length === 0) return;
  try {
    await measureTransportFloor(
      settings,
      rates.sort((a, b) => a - b),
      floors,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    failures.push(`transport floor: ${reason}`);
    process.stderr.write(`the transport floor failed: ${reason}\n`);
  }
  await writeResults(settings, startedAt, measurements, soaks, floors, failures);
}

async function writeResults(
  settings: BenchSettings,
  startedAt: string,
  measurements: readonly Measurement[],
  soaks: readonly SoakResult[],
  floors: readonly FloorMeasurement[],
  failures: readonly string[],
): Promise<void> {
  const machine = {
    startedAt,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? '(unknown)',
    memory: commandOutput('free', ['-h']),
    node: process.version,
    postgres: commandOutput('psql', ['--version']),
    redis: commandOutput('redis-server', ['--version']),
    uptimeAfter: commandOutput('uptime', []),
  };
  const report = renderReport({ settings, machine, measurements, soaks, floors, failures });
  await mkdir(dirname(settings.output), { recursive: true });
  await writeFile(settings.output, report);
  await writeFile(
    settings.output.replace(/\.md$/, '.json'),
    JSON.stringify({ machine, measurements, soaks, floors }, null, 2),
  );
  process.stdout.write(`\n${report}\n`);
}

await main();
