import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { LoadResult } from './load-generator.js';
import { floorTable } from './report.js';
import {
  createFloorPki,
  floorTransports,
  runFloor,
  startFloorServer,
  type FloorPki,
  type FloorServer,
  type FloorTransport,
} from './transport-floor.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('transport floor', () => {
  let directory: string;
  let pki: FloorPki;
  let server: FloorServer | undefined;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'palisade-floor-test-'));
    pki = await createFloorPki(join(directory, 'trusted'));
    server = await startFloorServer(pki);
  });

  afterAll(async () => {
    try {
      await server?.stop();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  function running(): FloorServer {
    if (server === undefined) throw new Error('the floor server did not start');
    return server;
  }

  it.each(floorTransports)('makes the scheduled %s calls', async (transport) => {
    const result = await runFloor(transport, running(), pki, 50, 400);

    expect(result.requests).toBe(20);
    expect(result.errors).toBe(0);
    expect(result.p50).toBeGreaterThan(0);
    // 20 calls at 50 per second: the last one is due 380 ms after the first.
    expect(result.durationSeconds).toBeGreaterThanOrEqual(0.38);
  });

  it.each(floorTransports)('checks that %s reached its own server', async (transport) => {
    const { grpcPort, http2Port } = running();
    const swapped: FloorServer = { ...running(), grpcPort: http2Port, http2Port: grpcPort };

    await expect(runFloor(transport, swapped, pki, 50, 400)).rejects.toThrow(
      /unexpected bytes: is the port that of the other server\?/,
    );
  });

  // TLS 1.3 clients learn of the rejection only after their handshake, as a reset or a stream
  // that closes without a status.
  it.each([
    ['grpc-js', /UNAVAILABLE/],
    ['node:http2', /ECONNRESET|grpc-status missing/],
  ] as const)('rejects a %s client from another CA', async (transport, failure) => {
    const stranger = await createFloorPki(
      join(directory, `stranger-${transport.replace(':', '-')}`),
    );
    const mixed: FloorPki = { ...pki, client: stranger.client };

    await expect(runFloor(transport, running(), mixed, 50, 400)).rejects.toThrow(failure);
  });

  it.each([
    ['grpc-js', /DEADLINE_EXCEEDED/],
    ['node:http2', /timed out after 300 ms/],
  ] as const)('fails a %s call that gets no response', async (transport, failure) => {
    const stalled = await startFloorServer(pki);
    process.kill(stalled.pid, 'SIGSTOP');
    try {
      await expect(
        runFloor(transport, stalled, pki, 50, 400, { callTimeoutMs: 300 }),
      ).rejects.toThrow(failure);
    } finally {
      await stalled.stop(200);
    }

    expect(isRunning(stalled.pid)).toBe(false);
  });

  it('kills a client that does not finish in time', async () => {
    const stalled = await startFloorServer(pki);
    process.kill(stalled.pid, 'SIGSTOP');
    try {
      await expect(
        runFloor('grpc-js', stalled, pki, 50, 400, {
          callTimeoutMs: 10_000,
          startAllowanceMs: 300,
        }),
      ).rejects.toThrow(/grpc-js floor client did not finish within 700 ms/);
    } finally {
      await stalled.stop(200);
    }
  });

  it('names the server exit during a run', async () => {
    const doomed = await startFloorServer(pki);
    process.kill(doomed.pid, 'SIGKILL');
    await waitUntilGone(doomed.pid, 2000);

    await expect(runFloor('grpc-js', doomed, pki, 50, 400)).rejects.toThrow(
      /transport floor server exited during the grpc-js run \(SIGKILL/,
    );
  });

  it('names the exit when the server cannot start', async () => {
    const missingKey: FloorPki = {
      ...pki,
      server: { ...pki.server, keyFile: join(directory, 'missing-key.pem') },
    };

    await expect(startFloorServer(missingKey)).rejects.toThrow(
      /transport floor server exited \(code 1\) before it listened: .*missing-key\.pem/,
    );
  });

  it('names an invalid transport', async () => {
    const transport = 'grpc' as FloorTransport;

    await expect(runFloor(transport, running(), pki, 50, 400)).rejects.toThrow(
      /FLOOR_TRANSPORT grpc is invalid: use grpc-js or node:http2/,
    );
  });

  it('names a missing certificate path', async () => {
    const withoutCa: FloorPki = { ...pki, caFile: '' };

    await expect(startFloorServer(withoutCa)).rejects.toThrow(/FLOOR_CA_FILE is missing/);
  });

  it('kills a server that does not listen in time', async () => {
    // Reading a FIFO without a writer blocks the server before it listens.
    const fifo = join(directory, 'blocking-key.pem');
    execFileSync('mkfifo', [fifo]);
    const blocked: FloorPki = { ...pki, server: { ...pki.server, keyFile: fifo } };

    await expect(startFloorServer(blocked, 300)).rejects.toThrow(
      /transport floor server did not listen within 300 ms/,
    );
  });

  it('stops a server that ignores SIGTERM', async () => {
    const stalled = await startFloorServer(pki);
    process.kill(stalled.pid, 'SIGSTOP');

    await stalled.stop(200);

    expect(isRunning(stalled.pid)).toBe(false);
  });

  it('leaves no server behind when the benchmark is killed', async () => {
    const script = [
      `import { startFloorServer } from ${JSON.stringify(new URL('../dist/src/transport-floor.js', import.meta.url).href)};`,
      `const server = await startFloorServer(${JSON.stringify(pki)});`,
      'console.log(server.pid);',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve) => {
      createInterface({ input: parent.stdout }).once('line', (line) => resolve(Number(line)));
    });
    expect(isRunning(pid)).toBe(true);

    parent.kill('SIGKILL');

    expect(await waitUntilGone(pid, 5000)).toBe(true);
  });
});

describe('transport floor table', () => {
  const result = (p99: number): LoadResult => ({
    requests: 100,
    errors: 0,
    errorSamples: [],
    durationSeconds: 1,
    requestsPerSecond: 100,
    p50: 0.5,
    p90: 1,
    p99,
    max: 10,
  });

  it('averages the rounds and lists each round’s p99', () => {
    const lines = floorTable([
      { transport: 'grpc-js', rate: 250, loadAverage: 0.5, result: result(3) },
      { transport: 'grpc-js', rate: 250, loadAverage: 0.7, result: result(5) },
    ]);

    expect(lines).toContain(
      '| grpc-js | 250 | 0.50 / 1.00 / 4.00 / 10.00 | 3.00, 5.00 | 0 | 0.5–0.7 |',
    );
  });

  it('renders nothing without floor runs', () => {
    expect(floorTable([])).toEqual([]);
  });
});
