import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { ensureDevelopmentPki, type CertificateFiles } from '@palisade/identity';

import type { LoadResult } from './load-generator.js';
import { floorServerName, type FloorTransport } from './transport-floor-protocol.js';

export { floorTransports, type FloorTransport } from './transport-floor-protocol.js';

/**
 * The transport floor: what one unary call over mutual TLS between two Node.js processes costs
 * with no Palisade code on either side (see `transport-floor-client.ts`). The hop without the
 * database pays for the same transport, but the two are measured differently: the hop from a
 * histogram whose buckets are 0.25 ms wide up to 2 ms, the floor from every call's latency.
 */

/** Certificates of the floor's client and server, signed by one development CA. */
export interface FloorPki {
  readonly caFile: string;
  readonly client: CertificateFiles;
  readonly server: CertificateFiles;
}

/** A running floor server process. */
export interface FloorServer {
  readonly pid: number;
  readonly grpcPort: number;
  readonly http2Port: number;
  /** The exit of a process that ended before {@link stop}; undefined while it runs. */
  exit(): string | undefined;
  /** Stops the process: SIGTERM, then SIGKILL after `graceMs` (default 5 s). */
  stop(graceMs?: number): Promise<void>;
}

/** Limits of one floor run, in milliseconds. */
export interface FloorLimits {
  /** Maximum time of one call; a call that takes longer fails. Default 5,000. */
  readonly callTimeoutMs?: number;
  /** Time the client may take on top of the run's duration, for its start and warm-up. Default 60,000. */
  readonly startAllowanceMs?: number;
}

// The floor processes always run compiled, from bench/dist/src/; tests load this module from
// its source.
function entryPoint(name: string): string {
  const relative = import.meta.url.endsWith('.ts') ? `../dist/src/${name}` : name;
  return fileURLToPath(new URL(relative, import.meta.url));
}

/** Issues (or reuses) the floor's certificates in `dir`. */
export async function createFloorPki(dir: string): Promise<FloorPki> {
  const pki = await ensureDevelopmentPki(dir, [
    { name: 'floor-client', spiffeId: 'spiffe://palisade.bench/floor-client' },
    {
      name: 'floor-server',
      spiffeId: 'spiffe://palisade.bench/floor-server',
      dnsNames: [floorServerName],
    },
  ]);
  const client = pki.workloads['floor-client'];
  const server = pki.workloads['floor-server'];
  if (client === undefined || server === undefined) {
    throw new Error('the development PKI returned no floor certificates');
  }
  return { caFile: pki.caFile, client, server };
}

/** A floor process with its standard error kept for messages. */
interface FloorProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The first line the process wrote to standard error, or a note that it wrote none. */
  firstErrorLine(): string;
  /** Resolves with the exit, described as `code N` or the signal's name. */
  readonly exited: Promise<string>;
}

function startFloorProcess(name: string, env: Record<string, string>): FloorProcess {
  // Standard input stays open as a pipe: the process exits when it closes, with this one.
  const child = spawn(process.execPath, [entryPoint(name)], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<string>((resolve) => {
    // 'close' comes after the process's output has been read to the end.
    child.once('close', (code, signal) => resolve(signal ?? `code ${code}`));
    child.once('error', (error) => resolve(`failed to start: ${error.message}`));
  });
  return {
    child,
    firstErrorLine: () => stderr.join('').trim().split('\n')[0] || 'no error output',
    exited,
  };
}

async function stopFloorProcess(floorProcess: FloorProcess, graceMs: number): Promise<void> {
  const { child } = floorProcess;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await floorProcess.exited;
  clearTimeout(timer);
}

/**
 * Starts the floor server in a child process with the server certificate of `pki`.
 *
 * @throws Error naming the exit and the server's first error line when it exits before it
 *   listens, or when it does not listen within `readyTimeoutMs` (then it is killed).
 */
export async function startFloorServer(
  pki: FloorPki,
  readyTimeoutMs = 15_000,
): Promise<FloorServer> {
  const server = startFloorProcess('transport-floor-server.js', {
    FLOOR_CA_FILE: pki.caFile,
    FLOOR_CERT_FILE: pki.server.certFile,
    FLOOR_KEY_FILE: pki.server.keyFile,
  });
  let stopping = false;
  let exit: string | undefined;
  void server.exited.then((description) => {
    if (!stopping) exit = `${description}: ${server.firstErrorLine()}`;
  });

  let timer: NodeJS.Timeout | undefined;
  const ports = await Promise.race([
    new Promise<[number, number]>((resolve) => {
      createInterface({ input: server.child.stdout }).on('line', (line) => {
        const match = /^floor listening on (\d+) (\d+)$/.exec(line);
        if (match !== null) resolve([Number(match[1]), Number(match[2])]);
      });
    }),
    server.exited.then((description) => {
      throw new Error(
        `the transport floor server exited (${description}) before it listened: ${server.firstErrorLine()}`,
      );
    }),
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the transport floor server did not listen within ${readyTimeoutMs} ms`));
      }, readyTimeoutMs);
    }),
  ]).catch(async (error: unknown) => {
    stopping = true;
    await stopFloorProcess(server, 1000);
    throw error;
  });
  clearTimeout(timer);

  return {
    pid: server.child.pid ?? Number.NaN,
    grpcPort: ports[0],
    http2Port: ports[1],
    exit: () => exit,
    stop: async (graceMs = 5000) => {
      stopping = true;
      await stopFloorProcess(server, graceMs);
    },
  };
}

/**
 * Runs the floor client in a child process against `server` over `transport`, at a fixed rate
 * for `durationMs`, and returns its latencies.
 *
 * @throws Error naming the cause when the client fails, such as when the server rejects its
 *   certificate and the warm-up calls fail. It is also thrown when the client does not finish in
 *   time, which kills it, and when the server has exited.
 */
export async function runFloor(
  transport: FloorTransport,
  server: FloorServer,
  pki: FloorPki,
  requestsPerSecond: number,
  durationMs: number,
  limits: FloorLimits = {},
): Promise<LoadResult> {
  const callTimeoutMs = limits.callTimeoutMs ?? 5000;
  const timeoutMs = durationMs + (limits.startAllowanceMs ?? 60_000);
  const client = startFloorProcess('transport-floor-client.js', {
    FLOOR_TRANSPORT: transport,
    FLOOR_PORT: String(transport === 'grpc-js' ? server.grpcPort : server.http2Port),
    FLOOR_RATE: String(requestsPerSecond),
    FLOOR_DURATION_MS: String(durationMs),
    FLOOR_CALL_TIMEOUT_MS: String(callTimeoutMs),
    FLOOR_CA_FILE: pki.caFile,
    FLOOR_CERT_FILE: pki.client.certFile,
    FLOOR_KEY_FILE: pki.client.keyFile,
  });
  const lines: string[] = [];
  createInterface({ input: client.child.stdout }).on('line', (line) => lines.push(line));

  const timer = setTimeout(() => client.child.kill('SIGKILL'), timeoutMs);
  const exit = await client.exited;
  clearTimeout(timer);

  const serverExit = server.exit();
  if (serverExit !== undefined) {
    throw new Error(
      `the transport floor server exited during the ${transport} run (${serverExit})`,
    );
  }
  if (exit === 'SIGKILL') {
    throw new Error(`the ${transport} floor client did not finish within ${timeoutMs} ms`);
  }
  if (exit !== 'code 0') {
    throw new Error(`the ${transport} floor client failed (${exit}): ${client.firstErrorLine()}`);
  }
  const output = lines.at(-1);
  if (output === undefined) throw new Error(`the ${transport} floor client printed no result`);
  return JSON.parse(output) as LoadResult;
}
