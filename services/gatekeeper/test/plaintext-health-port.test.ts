import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import {
  credentials,
  Metadata,
  makeClientConstructor,
  status,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js';
import { AdminServiceClient, UserServiceClient } from '@palisade/contracts';
import { ConfigError } from '@palisade/config';
import { ensureDevelopmentPki } from '@palisade/identity';
import { testServerAvailable } from '@palisade/testkit';
import { HealthImplementation, service as healthService } from 'grpc-health-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadGatekeeperConfig } from '../src/config.js';
import { startPlaintextHealthServer } from '../src/plaintext-health-server.js';
import { openTestDatabase, type TestDatabase } from './entry-database.js';

const gatekeeperEntryPoint = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const readyTimeoutMs = 30_000;
const callDeadlineMs = 5000;

const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');

type HealthCheckClient = Client & {
  check(
    request: { service: string },
    options: { deadline: number },
    callback: (error: ServiceError | null, response?: { status: string }) => void,
  ): void;
};

/** Calls grpc.health.v1.Health/Check without TLS; resolves with the status or the error. */
async function checkHealth(address: string): Promise<string | ServiceError> {
  const client = new HealthClient(
    address,
    credentials.createInsecure(),
  ) as unknown as HealthCheckClient;
  try {
    return await new Promise((resolve) => {
      client.check({ service: '' }, { deadline: Date.now() + callDeadlineMs }, (error, reply) =>
        resolve(error ?? reply?.status ?? 'no status'),
      );
    });
  } finally {
    client.close();
  }
}

/** Resolves with a TCP port that was free on 127.0.0.1 a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no TCP port'));
        else resolve(address.port);
      });
    });
  });
}

function parseLogLine(line: string): { msg?: string; port?: number } | undefined {
  try {
    return JSON.parse(line) as { msg?: string; port?: number };
  } catch {
    return undefined;
  }
}

/** Starts the built gatekeeper and resolves when it logs that it is listening. */
async function startGatekeeper(env: NodeJS.ProcessEnv): Promise<{
  child: ChildProcess;
  mainPort: number;
  output: string[];
}> {
  const child = spawn(process.execPath, [gatekeeperEntryPoint], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const mainPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`gatekeeper not listening after ${readyTimeoutMs} ms:\n${output.join('\n')}`),
      );
    }, readyTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gatekeeper exited with code ${code}:\n${output.join('\n')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const entry = parseLogLine(line);
      if (entry?.msg === 'gatekeeper listening' && entry.port !== undefined) {
        clearTimeout(timer);
        resolve(entry.port);
      }
    });
  });
  return { child, mainPort, output };
}

function stopGatekeeper(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe.runIf(await testServerAvailable())('plaintext health port of the gatekeeper', () => {
  let home: string;
  let database: TestDatabase | undefined;
  let gatekeeper: { child: ChildProcess; mainPort: number; output: string[] } | undefined;
  let healthAddress: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'palisade-health-port-'));
    database = await openTestDatabase('server');
    const pki = await ensureDevelopmentPki(join(home, 'pki'), [
      {
        name: 'gatekeeper',
        spiffeId: 'spiffe://palisade.local/ns/palisade/sa/gatekeeper',
        ipAddresses: ['127.0.0.1'],
      },
    ]);
    const identity = pki.workloads['gatekeeper']!;
    const healthPort = await freePort();
    healthAddress = `127.0.0.1:${healthPort}`;
    gatekeeper = await startGatekeeper({
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      GATEKEEPER_HOST: '127.0.0.1',
      GATEKEEPER_PORT: '0',
      GATEKEEPER_HEALTH_PORT: String(healthPort),
      GATEKEEPER_TLS_CERT_FILE: identity.certFile,
      GATEKEEPER_TLS_KEY_FILE: identity.keyFile,
      GATEKEEPER_CA_FILE: pki.caFile,
      DATABASE_URL: database.url,
      DATABASE_POOL_MAX: '2',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    });
  });

  afterAll(async () => {
    if (gatekeeper !== undefined) await stopGatekeeper(gatekeeper.child);
    await database?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('reports SERVING without TLS', async () => {
    expect(await checkHealth(healthAddress)).toBe('SERVING');
  });

  it('rejects a UserService method as UNIMPLEMENTED', async () => {
    const client = new UserServiceClient(healthAddress, credentials.createInsecure());
    const error = await new Promise<ServiceError | null>((resolve) => {
      client.getProfile(
        { userId: '' },
        new Metadata(),
        { deadline: Date.now() + callDeadlineMs },
        (failure) => resolve(failure),
      );
    });
    client.close();
    expect(error?.code).toBe(status.UNIMPLEMENTED);
  });

  it('rejects an AdminService method as UNIMPLEMENTED', async () => {
    const client = new AdminServiceClient(healthAddress, credentials.createInsecure());
    const error = await new Promise<ServiceError | null>((resolve) => {
      client.deleteUserData(
        { userId: '00000000-0000-0000-0000-000000000000' },
        new Metadata(),
        { deadline: Date.now() + callDeadlineMs },
        (failure) => resolve(failure),
      );
    });
    client.close();
    expect(error?.code).toBe(status.UNIMPLEMENTED);
  });

  it('leaves the main port mutual TLS only', async () => {
    const result = await checkHealth(`127.0.0.1:${gatekeeper!.mainPort}`);
    expect(result).toBeInstanceOf(Error);
    expect((result as ServiceError).code).toBe(status.UNAVAILABLE);
  });

  it('stops with the gatekeeper', async () => {
    await stopGatekeeper(gatekeeper!.child);
    expect(gatekeeper!.child.exitCode).toBe(0);
    const result = await checkHealth(healthAddress);
    expect((result as ServiceError).code).toBe(status.UNAVAILABLE);
  });
});

describe('startPlaintextHealthServer', () => {
  const logger = pino({ level: 'silent' });

  it('reports the status of the shared health service', async () => {
    const health = new HealthImplementation({ '': 'NOT_SERVING' });
    const server = await startPlaintextHealthServer({ health, host: '127.0.0.1', port: 0, logger });
    const address = `127.0.0.1:${server.port}`;
    try {
      expect(await checkHealth(address)).toBe('NOT_SERVING');
      health.setStatus('', 'SERVING');
      expect(await checkHealth(address)).toBe('SERVING');
    } finally {
      await server.stop();
    }
  });

  it('refuses Watch, which would hold a stream open', async () => {
    const health = new HealthImplementation({ '': 'SERVING' });
    const server = await startPlaintextHealthServer({ health, host: '127.0.0.1', port: 0, logger });
    const client = new HealthClient(
      `127.0.0.1:${server.port}`,
      credentials.createInsecure(),
    ) as unknown as {
      watch(request: { service: string }): NodeJS.EventEmitter & { cancel(): void };
      close(): void;
    };
    try {
      const stream = client.watch({ service: '' });
      const error = await new Promise<ServiceError>((resolve) => {
        stream.on('error', resolve);
        stream.on('data', () => undefined);
      });

      expect(error.code).toBe(status.UNIMPLEMENTED);
    } finally {
      client.close();
      await server.stop();
    }
  });

  it('refuses connections after stop', async () => {
    const health = new HealthImplementation({ '': 'SERVING' });
    const server = await startPlaintextHealthServer({ health, host: '127.0.0.1', port: 0, logger });
    await server.stop();
    const result = await checkHealth(`127.0.0.1:${server.port}`);
    expect((result as ServiceError).code).toBe(status.UNAVAILABLE);
  });

  it('rejects a port that is in use', async () => {
    const health = new HealthImplementation({ '': 'SERVING' });
    const first = await startPlaintextHealthServer({ health, host: '127.0.0.1', port: 0, logger });
    try {
      await expect(
        startPlaintextHealthServer({ health, host: '127.0.0.1', port: first.port, logger }),
      ).rejects.toThrow(/No address added|EADDRINUSE/);
    } finally {
      await first.stop();
    }
  });
});

describe('GATEKEEPER_HEALTH_PORT setting', () => {
  const baseEnv = {
    GATEKEEPER_TLS_CERT_FILE: '/tls/tls.crt',
    GATEKEEPER_TLS_KEY_FILE: '/tls/tls.key',
    GATEKEEPER_CA_FILE: '/tls/ca.crt',
    DATABASE_URL: 'postgres://palisade_gatekeeper@127.0.0.1:5432/palisade',
    GATEKEEPER_PORT: '50051',
    METRICS_PORT: '9464',
  };

  function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
    try {
      loadGatekeeperConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  it('is off when unset', () => {
    expect(loadGatekeeperConfig(baseEnv).GATEKEEPER_HEALTH_PORT).toBeUndefined();
  });

  it('accepts a free port', () => {
    const config = loadGatekeeperConfig({ ...baseEnv, GATEKEEPER_HEALTH_PORT: '50052' });
    expect(config.GATEKEEPER_HEALTH_PORT).toBe(50052);
  });

  it.each(['0', '65536', '-1', 'health'])('rejects %s', (value) => {
    const problems = problemsOf({ ...baseEnv, GATEKEEPER_HEALTH_PORT: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^GATEKEEPER_HEALTH_PORT=/);
  });

  it('rejects the gRPC port', () => {
    const problems = problemsOf({ ...baseEnv, GATEKEEPER_HEALTH_PORT: '50051' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('GATEKEEPER_HEALTH_PORT=50051 is invalid');
    expect(problems[0]).toContain('GATEKEEPER_PORT uses the same port');
  });

  it('rejects the metrics port', () => {
    const problems = problemsOf({ ...baseEnv, GATEKEEPER_HEALTH_PORT: '9464' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('GATEKEEPER_HEALTH_PORT=9464 is invalid');
    expect(problems[0]).toContain('METRICS_PORT uses the same port');
  });
});
