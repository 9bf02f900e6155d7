import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One HTTP request the generator repeats. */
export interface RequestTemplate {
  readonly method: 'GET' | 'PATCH';
  /** Path and query, such as `/api/me`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Builds the body of the n-th request; undefined sends none. */
  readonly body?: (n: number) => string;
}

/** Latencies in milliseconds and counts of one load run. */
export interface LoadResult {
  /** Completed requests, failed ones included. */
  readonly requests: number;
  /** Responses with a status other than 2xx, and transport errors. */
  readonly errors: number;
  /** First few distinct error descriptions, for the report. */
  readonly errorSamples: readonly string[];
  readonly durationSeconds: number;
  /** Successful (2xx) responses per second. */
  readonly requestsPerSecond: number;
  /** Latency percentiles over every completed request, failed ones included. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Latencies and errors of one load run, recorded by each of its calls. */
export interface Recorder {
  readonly latencies: number[];
  errors: number;
  readonly errorSamples: Set<string>;
}

/** Records a call that failed: it counts as an error and its time counts as latency. */
export function recordFailure(recorder: Recorder, description: string, startedAt: number): void {
  recorder.errors += 1;
  if (recorder.errorSamples.size < 5) recorder.errorSamples.add(description);
  recorder.latencies.push(performance.now() - startedAt);
}

function send(
  agent: http.Agent,
  target: URL,
  template: RequestTemplate,
  n: number,
  recorder: Recorder,
  startedAt: number,
): Promise<void> {
  const body = template.body?.(n);
  return new Promise((resolve) => {
    const fail = (description: string) => {
      recordFailure(recorder, description, startedAt);
      resolve();
    };
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: template.method,
        path: template.path,
        headers: {
          ...template.headers,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            fail(`${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 160)}`);
            return;
          }
          recorder.latencies.push(performance.now() - startedAt);
          resolve();
        });
        response.on('error', (error) => fail(error.message));
      },
    );
    request.on('error', (error) => fail(error.message));
    request.end(body);
  });
}

function summarise(recorder: Recorder, durationSeconds: number): LoadResult {
  const sorted = Float64Array.from(recorder.latencies).sort();
  const at = (quantile: number) =>
    sorted.length === 0
      ? NaN
      : (sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? NaN);
  return {
    requests: sorted.length,
    errors: recorder.errors,
    errorSamples: [...recorder.errorSamples],
    durationSeconds,
    requestsPerSecond: (sorted.length - recorder.errors) / durationSeconds,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted.length === 0 ? NaN : (sorted[sorted.length - 1] ?? NaN),
  };
}

/**
 * Closed loop: `connections` keep-alive connections, each sending its next request as soon as
 * the previous response has arrived, for `durationMs`. It measures the maximum throughput; its
 * latencies understate queueing (coordinated omission), so they are not quoted as percentiles
 * of a fixed rate.
 */
export async function runClosedLoop(
  baseUrl: string,
  template: RequestTemplate,
  connections: number,
  durationMs: number,
): Promise<LoadResult> {
  const target = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const recorder: Recorder = { latencies: [], errors: 0, errorSamples: new Set() };
  const started = performance.now();
  const deadline = started + durationMs;
  let counter = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = counter++;
      await send(agent, target, template, n, recorder, performance.now());
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return summarise(recorder, elapsed);
}

/**
 * Open loop at a fixed rate, as wrk2 does: request i is due at start + i / rate, and its latency
 * runs from that due time, not from when a connection became free. A server that stalls
 * therefore shows the whole queue it caused in the percentiles, which corrects for coordinated
 * omission. At most `connections` requests are in flight; the rest wait in the agent's queue,
 * and that wait counts as latency.
 */
export async function runFixedRate(
  baseUrl: string,
  template: RequestTemplate,
  connections: number,
  requestsPerSecond: number,
  durationMs: number,
): Promise<LoadResult> {
  const target = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  try {
    return await runAtFixedRate(
      (n, dueAt, recorder) => send(agent, target, template, n, recorder, dueAt),
      requestsPerSecond,
      durationMs,
    );
  } finally {
    agent.destroy();
  }
}

/**
 * Calls `call` at a fixed rate for `durationMs`: call n starts at start + n / rate and gets that
 * due time. Each call records its own latency, from its due time or from its actual start, and
 * its errors. Resolves once every call has settled.
 */
export async function runAtFixedRate(
  call: (n: number, dueAt: number, recorder: Recorder) => Promise<void>,
  requestsPerSecond: number,
  durationMs: number,
): Promise<LoadResult> {
  const recorder: Recorder = { latencies: [], errors: 0, errorSamples: new Set() };
  const intervalMs = 1000 / requestsPerSecond;
  const total = Math.floor((durationMs / 1000) * requestsPerSecond);
  const started = performance.now();
  const pending: Promise<void>[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && started + next * intervalMs <= now) {
        pending.push(call(next, started + next * intervalMs, recorder));
        next += 1;
      }
      if (next >= total) {
        resolve();
        return;
      }
      // Sleeping until the next due time keeps the generator off the CPUs that it shares with
      // the servers. A late timer delays the calls that are due, so latency measured from the
      // due time includes it.
      setTimeout(tick, Math.max(0, started + next * intervalMs - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  return summarise(recorder, elapsed);
}
