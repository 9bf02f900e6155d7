import type { LoadResult } from './load-generator.js';

/** One load run against one target. */
export interface Measurement {
  readonly database: string;
  readonly target: 'palisade' | 'baseline';
  readonly scenario: string;
  readonly mode: 'closed' | 'fixed-rate';
  readonly connections: number;
  /** One-minute load average when the run started. */
  readonly loadAverage: number;
  readonly result: LoadResult;
  /** CPU milliseconds per completed request, by process role. */
  readonly cpuMsPerRequest: Readonly<Record<string, number>>;
  /** The gatekeeper hop as the web tier's histogram saw it during the run. */
  readonly hopP50Ms?: number;
  readonly hopP99Ms?: number;
  /**
   * The same calls as the gatekeeper's own histogram measured them, from the call's arrival to
   * its response (interceptors, token check, database). The hop minus this is the transport.
   */
  readonly gatekeeperP50Ms?: number;
  readonly gatekeeperP99Ms?: number;
  /** The hop less the database time that the gatekeeper reported for each call. */
  readonly hopWithoutDatabaseP50Ms?: number;
  readonly hopWithoutDatabaseP99Ms?: number;
  /** Requests per second of a fixed-rate run. */
  readonly rate?: number;
}

/** One fixed-rate run of the transport floor (see `transport-floor.ts`). */
export interface FloorMeasurement {
  readonly transport: string;
  readonly rate: number;
  /** One-minute load average when the run started. */
  readonly loadAverage: number;
  readonly result: LoadResult;
}

/** A long fixed-rate run that watches errors and resident memory. */
export interface SoakResult {
  readonly seconds: number;
  readonly rate: number;
  readonly loadAverage: number;
  readonly result: LoadResult;
  /** Resident memory samples, about every 10 s, by process role. */
  readonly rssBytes: Readonly<Record<string, readonly number[]>>;
  /**
   * Samples of `palisade_heap_used_after_major_gc_bytes`, taken with the resident memory, by
   * process role: 0 before the process's first full collection.
   */
  readonly liveHeapBytes: Readonly<Record<string, readonly number[]>>;
}

interface ReportInput {
  readonly settings: object;
  readonly machine: Readonly<Record<string, string | number>>;
  readonly measurements: readonly Measurement[];
  readonly soaks: readonly SoakResult[];
  readonly floors?: readonly FloorMeasurement[];
  /** Stacks that failed, with the reason; their rows are missing. */
  readonly failures: readonly string[];
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const range = (values: readonly number[], digits = 1) =>
  values.length === 0
    ? '–'
    : `${fixed(Math.min(...values), digits)}–${fixed(Math.max(...values), digits)}`;

function groupKey(m: Measurement): string {
  return `${m.database}|${m.scenario}|${m.mode}|${m.connections}`;
}

function cpuOf(runs: readonly Measurement[]): string {
  const roles = Object.keys(runs[0]?.cpuMsPerRequest ?? {});
  return roles
    .map((role) => `${role} ${fixed(mean(runs.map((m) => m.cpuMsPerRequest[role] ?? NaN)), 2)}`)
    .join(', ');
}

/**
 * Renders the measurements as Markdown tables: rounds of one configuration are averaged, and
 * the Palisade/baseline ratio of each round is shown as a range, so noise stays visible.
 */
export function renderReport(input: ReportInput): string {
  const groups = new Map<string, Measurement[]>();
  for (const m of input.measurements) {
    const key = groupKey(m);
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }

  const lines: string[] = [];
  lines.push('Machine and versions:', '', '```');
  for (const [name, value] of Object.entries(input.machine)) lines.push(`${name}: ${value}`);
  lines.push(`settings: ${JSON.stringify(input.settings)}`, '```', '');

  lines.push(
    '| database | scenario | conn | Palisade req/s | baseline req/s | ratio (per round) | Palisade p50 / p99 ms | baseline p50 / p99 ms | CPU ms/req Palisade | CPU ms/req baseline | hop p50 / p99 ms | in gatekeeper p50 / p99 ms | hop without database p50 / p99 ms | errors P/B | load avg |',
    '| --- | --- | --: | --: | --: | --: | --: | --: | --- | --- | --: | --: | --: | --: | --: |',
  );
  const closed = [...groups.values()].filter((runs) => runs[0]?.mode === 'closed');
  for (const runs of closed) lines.push(row(runs, 'closed'));
  lines.push('');

  const fixedRate = [...groups.values()].filter((runs) => runs[0]?.mode === 'fixed-rate');
  if (fixedRate.length > 0) {
    lines.push(
      'Fixed rate (latency measured from each request’s due time):',
      '',
      '| database | scenario | conn | rate req/s | Palisade p50 / p90 / p99 / max ms | baseline p50 / p90 / p99 / max ms | p99 ratio | hop p50 / p99 ms | in gatekeeper p50 / p99 ms | hop without database p50 / p99 ms | errors P/B | load avg |',
      '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
    );
    for (const runs of fixedRate) lines.push(row(runs, 'fixed-rate'));
    lines.push('');
  }

  for (const soak of input.soaks) {
    const memory = Object.entries(soak.rssBytes)
      .map(([role, samples]) => {
        const mb = samples.map((bytes) => bytes / 2 ** 20);
        return `${role} RSS ${fixed(mb[0] ?? NaN)} → ${fixed(mb[mb.length - 1] ?? NaN)} MiB (max ${fixed(Math.max(...mb))})`;
      })
      .join('; ');
    const liveHeap = Object.entries(soak.liveHeapBytes)
      .map(([role, samples]) => `${role} ${heapTrend(samples)}`)
      .join('; ');
    lines.push(
      `Soak: ${soak.seconds} s at ${soak.rate} req/s, ${soak.result.requests} requests, ` +
        `${soak.result.errors} errors, p99 ${fixed(soak.result.p99)} ms, max ` +
        `${fixed(soak.result.max)} ms; ${memory}; load avg ${fixed(soak.loadAverage, 2)}.`,
      '',
      `Heap in use after the latest full collection, first and last sample after the first ` +
        `minute, with the range of all of them: ${liveHeap}.`,
      '',
    );
  }
  lines.push(...floorTable(input.floors ?? []));
  for (const failure of input.failures) lines.push(`Failed: ${failure}`, '');
  return lines.join('\n');
}

function row(runs: readonly Measurement[], mode: Measurement['mode']): string {
  const first = runs[0];
  if (first === undefined) return '';
  const palisade = runs.filter((m) => m.target === 'palisade');
  const baseline = runs.filter((m) => m.target === 'baseline');
  const of = (list: readonly Measurement[], pick: (r: LoadResult) => number) =>
    mean(list.map((m) => pick(m.result)));
  const errors = `${palisade.reduce((n, m) => n + m.result.errors, 0)}/${baseline.reduce((n, m) => n + m.result.errors, 0)}`;
  const quantiles = (p50: (m: Measurement) => number | undefined, p99: typeof p50) =>
    `${fixed(mean(palisade.map((m) => p50(m) ?? NaN)), 2)} / ${fixed(mean(palisade.map((m) => p99(m) ?? NaN)), 2)}`;
  const hop = quantiles(
    (m) => m.hopP50Ms,
    (m) => m.hopP99Ms,
  );
  const inGatekeeper = quantiles(
    (m) => m.gatekeeperP50Ms,
    (m) => m.gatekeeperP99Ms,
  );
  const withoutDatabase = quantiles(
    (m) => m.hopWithoutDatabaseP50Ms,
    (m) => m.hopWithoutDatabaseP99Ms,
  );
  const load = range(
    runs.map((m) => m.loadAverage),
    1,
  );
  const head = `| ${first.database} | ${first.scenario} | ${first.connections}`;

  if (mode === 'closed') {
    const ratios = palisade.map(
      (m, i) => m.result.requestsPerSecond / (baseline[i]?.result.requestsPerSecond ?? NaN),
    );
    const ratio =
      of(palisade, (r) => r.requestsPerSecond) / of(baseline, (r) => r.requestsPerSecond);
    return (
      `${head} | ${fixed(
        of(palisade, (r) => r.requestsPerSecond),
        0,
      )} | ${fixed(
        of(baseline, (r) => r.requestsPerSecond),
        0,
      )} ` +
      `| ${fixed(ratio, 2)} (${range(ratios, 2)}) ` +
      `| ${fixed(of(palisade, (r) => r.p50))} / ${fixed(of(palisade, (r) => r.p99))} ` +
      `| ${fixed(of(baseline, (r) => r.p50))} / ${fixed(of(baseline, (r) => r.p99))} ` +
      `| ${cpuOf(palisade)} | ${cpuOf(baseline)} | ${hop} | ${inGatekeeper} | ${withoutDatabase} | ${errors} | ${load} |`
    );
  }
  const rate = first.rate ?? Math.round(first.result.requests / first.result.durationSeconds);
  const percentiles = (list: readonly Measurement[]) =>
    [of(list, (r) => r.p50), of(list, (r) => r.p90), of(list, (r) => r.p99), of(list, (r) => r.max)]
      .map((value) => fixed(value))
      .join(' / ');
  return (
    `${head} | ${rate} | ${percentiles(palisade)} | ${percentiles(baseline)} ` +
    `| ${fixed(of(palisade, (r) => r.p99) / of(baseline, (r) => r.p99), 2)} | ${hop} | ${inGatekeeper} | ${withoutDatabase} | ${errors} | ${load} |`
  );
}

/**
 * Renders the transport floor: for each transport and rate, the mean of the rounds' percentiles
 * and each round's p99, so that noise stays visible.
 */
export function floorTable(floors: readonly FloorMeasurement[]): string[] {
  if (floors.length === 0) return [];
  const groups = new Map<string, FloorMeasurement[]>();
  for (const floor of floors) {
    const key = `${floor.rate}|${floor.transport}`;
    groups.set(key, [...(groups.get(key) ?? []), floor]);
  }
  const lines = [
    'Transport floor: one unary call over mutual TLS between two Node.js processes with no ' +
      'Palisade code, after the stacks have stopped, latency from the start of each call (as the ' +
      'hop histogram measures it):',
    '',
    '| transport | rate req/s | p50 / p90 / p99 / max ms | p99 per round ms | errors | load avg |',
    '| --- | --: | --: | --: | --: | --: |',
  ];
  for (const runs of groups.values()) {
    const first = runs[0];
    if (first === undefined) continue;
    const of = (pick: (r: LoadResult) => number) => mean(runs.map((m) => pick(m.result)));
    const percentiles = [of((r) => r.p50), of((r) => r.p90), of((r) => r.p99), of((r) => r.max)]
      .map((value) => fixed(value, 2))
      .join(' / ');
    const perRound = runs.map((m) => fixed(m.result.p99, 2)).join(', ');
    const errors = runs.reduce((n, m) => n + m.result.errors, 0);
    const load = range(runs.map((m) => m.loadAverage));
    lines.push(
      `| ${first.transport} | ${first.rate} | ${percentiles} | ${perRound} | ${errors} | ${load} |`,
    );
  }
  lines.push('');
  return lines;
}

/**
 * Describes samples of the heap after full collections, taken every 10 s, as `first → last MiB
 * (min–max)`. It leaves out the first minute, in which the process is still warming up, and the
 * samples from before its first full collection, and it counts the samples that could not be
 * read (NaN).
 */
export function heapTrend(samples: readonly number[]): string {
  const afterFirstMinute = samples.slice(6);
  const unread = afterFirstMinute.filter((bytes) => Number.isNaN(bytes)).length;
  const unreadNote = unread === 0 ? '' : `, ${unread} of ${afterFirstMinute.length} samples unread`;
  const settled = afterFirstMinute.filter((bytes) => bytes > 0);
  if (settled.length === 0) {
    return unread === afterFirstMinute.length && unread > 0
      ? 'gauge unread'
      : `no full collection after the first minute${unreadNote}`;
  }
  const mebibytes = settled.map((bytes) => bytes / 2 ** 20);
  const range = `${fixed(Math.min(...mebibytes))}–${fixed(Math.max(...mebibytes))}`;
  const first = fixed(mebibytes[0] ?? NaN);
  const last = fixed(mebibytes[mebibytes.length - 1] ?? NaN);
  return `${first} → ${last} MiB (${range}${unreadNote})`;
}
