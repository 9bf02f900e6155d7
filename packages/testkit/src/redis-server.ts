import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { findFreePort } from '@palisade/cli';

/** The Redis server that server-backed tests use; PALISADE_TEST_REDIS_URL overrides it. */
export const testRedisUrl = process.env['PALISADE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * Checks whether the test Redis responds to PING. Under CI=true an unreachable server is an error, so
 * CI never passes by skipping; elsewhere the caller skips and this prints one line naming what
 * to start.
 */
export async function redisServerAvailable(): Promise<boolean> {
  try {
    await pingRedis(testRedisUrl);
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env['CI'] === 'true') {
      throw new Error(
        `Redis test server unreachable at ${testRedisUrl} (${reason}); CI needs it running`,
      );
    }
    process.stdout.write(
      `skipping Redis server tests: ${testRedisUrl} unreachable (${reason}); start redis-server or set PALISADE_TEST_REDIS_URL\n`,
    );
    return false;
  }
}

/** Sends an inline PING and resolves on `+PONG`, without a client library. */
function pingRedis(url: string, timeoutMs = 2000): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no response in ${timeoutMs} ms`)));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      const reply = data.toString('utf8');
      if (reply.startsWith('+PONG')) resolve();
      else reject(new Error(`unexpected reply ${JSON.stringify(reply.trim())}`));
    });
  });
}

/** A redis-server process started by a test, on a free port, without persistence. */
export interface OwnRedisServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

/** Starts `redis-server` on a free loopback port; the machine's Redis on 6379 is never touched. */
export async function startOwnRedisServer(): Promise<OwnRedisServer> {
  const port = await findFreePort();
  let child = await spawnRedis(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      await stopProcess(child);
    },
    async restart() {
      child = await spawnRedis(port);
    },
  };
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const spawnFailed = new Promise<never>((_resolve, reject) => child.once('error', reject));
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await Promise.race([pingRedis(`redis://127.0.0.1:${port}`, 500), spawnFailed]);
      return child;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) throw error;
      await sleep(50);
    }
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
