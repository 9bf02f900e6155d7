import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
} from './transport-floor.js';

describe('transport floor', () => {
  let directory: string;
  let pki: FloorPki;
  let server: FloorServer;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'palisade-floor-test-'));
    pki = await createFloorPki(join(directory, 'trusted'));
    server = await startFloorServer(pki);
  });

  afterAll(async () => {
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it.each(floorTransports)('makes the scheduled number of %s calls', async (transport) => {
    const result = await runFloor(transport, server, pki, 50, 400);

    expect(result.requests).toBe(20);
    expect(result.errors).toBe(0);
    expect(result.p50).toBeGreaterThan(0);
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

    await expect(runFloor(transport, server, mixed, 50, 400)).rejects.toThrow(failure);
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
