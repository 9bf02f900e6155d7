import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findFreePort } from '@palisade/cli';
import { createCertificateAuthority, issueWorkloadCertificate } from '@palisade/identity';
import { RedisStore } from '@palisade/store';
import { createLogger } from '@palisade/telemetry';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { signElastiCacheToken } from '../tokens/elasticache-iam-token.js';
import { redisClientOptions } from './redis-connection.js';
import { RedisIamAuthentication } from './redis-iam-authentication.js';

const redisServer = '/usr/bin/redis-server';
const available = existsSync(redisServer);
if (!available) {
  if (process.env['CI'] === 'true')
    throw new Error(`${redisServer} is missing; CI needs redis-server`);
  process.stdout.write(
    `skipping Redis TLS tests: ${redisServer} is missing; install redis-server\n`,
  );
}

// The example keys of the AWS documentation: fixed, fake, never sent anywhere.
const fakeKeys = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const userId = 'palisade-web';
const adminPassword = 'admin-password-for-this-test-only';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface TlsRedis {
  readonly port: number;
  readonly caFile: string;
  readonly process: ChildProcess;
}

/** Starts redis-server with TLS only and ACL users, standing in for an ElastiCache node. */
async function startTlsRedis(folder: string): Promise<TlsRedis> {
  const ca = await createCertificateAuthority({ commonName: 'redis test CA' });
  const server = await issueWorkloadCertificate(ca, {
    spiffeId: 'spiffe://palisade.local/ns/palisade/sa/redis',
    ipAddresses: ['127.0.0.1'],
  });
  const paths = {
    caFile: join(folder, 'ca.pem'),
    certFile: join(folder, 'redis.pem'),
    keyFile: join(folder, 'redis-key.pem'),
  };
  await writeFile(paths.caFile, ca.certificatePem);
  await writeFile(paths.certFile, server.certificatePem);
  await writeFile(paths.keyFile, server.privateKeyPem, { mode: 0o600 });

  const port = await findFreePort();
  const child = spawn(
    redisServer,
    [
      ['--port', '0'],
      ['--tls-port', String(port)],
      ['--bind', '127.0.0.1'],
      ['--tls-cert-file', paths.certFile],
      ['--tls-key-file', paths.keyFile],
      ['--tls-ca-cert-file', paths.caFile],
      ['--tls-auth-clients', 'no'],
      ['--save', ''],
      ['--appendonly', 'no'],
      ['--user', 'default', 'off'],
      ['--user', 'admin', 'on', `>${adminPassword}`, '~*', '&*', '+@all'],
    ].flat(),
    { stdio: 'ignore' },
  );
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const probe = adminClient(port, paths.caFile, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const ready = await probe.connect().then(
      () => true,
      () => false,
    );
    probe.disconnect();
    if (ready) return { port, caFile: paths.caFile, process: child };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not accept TLS connections on port ${port}`);
}

/** Connects a lazy client and returns the first error it reports. */
function firstError(client: Redis): Promise<Error> {
  const error = new Promise<Error>((resolve) => client.once('error', resolve));
  client.connect().catch(() => undefined);
  return error;
}

function adminClient(port: number, caFile: string, extra: object = {}): Redis {
  return new Redis({
    ...redisClientOptions({
      url: `rediss://admin:${adminPassword}@127.0.0.1:${port}`,
      tlsCaFile: caFile,
      authentication: { mode: 'url' },
    }),
    ...extra,
  });
}

describe.runIf(available)('ElastiCache IAM authentication against a TLS Redis', () => {
  let folder: string;
  let redis: TlsRedis;
  let admin: Redis;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-redis-iam-'));
    redis = await startTlsRedis(folder);
    admin = adminClient(redis.port, redis.caFile);
    await admin.call('ACL', 'SETUSER', userId, 'on', 'resetpass', '~*', '+@all');
  });

  afterAll(async () => {
    admin?.disconnect();
    redis?.process.kill('SIGKILL');
    await rm(folder, { recursive: true, force: true });
  });

  it('renews its token and reconnects without a failed command', async () => {
    // The test plays ElastiCache: each signed token becomes a password of the user, and the
    // one before the previous is revoked, as if it had expired.
    const signed: string[] = [];
    const sign = async () => {
      const token = await signElastiCacheToken({
        replicationGroupId: 'palisade-cache',
        userId,
        region: 'eu-west-1',
        credentials: fakeKeys,
      });
      await admin.call('ACL', 'SETUSER', userId, `>${token}`);
      const expired = signed.at(-2);
      if (expired !== undefined) await admin.call('ACL', 'SETUSER', userId, `<${expired}`);
      signed.push(token);
      return token;
    };
    // A new token every second instead of every ten minutes.
    const authentication = new RedisIamAuthentication({
      replicationGroupId: 'palisade-cache',
      userId,
      region: 'eu-west-1',
      credentials: () => Promise.resolve(fakeKeys),
      refreshBeforeExpiryMs: 899_000,
      sign,
    });

    const client = new Redis({
      ...redisClientOptions(
        {
          url: `rediss://127.0.0.1:${redis.port}`,
          tlsCaFile: redis.caFile,
          authentication: { mode: 'elasticache-iam', userId },
        },
        await authentication.token(),
      ),
      maxRetriesPerRequest: 5,
      retryStrategy: () => 50,
    });
    const detach = authentication.attach(client);
    let reconnects = 0;
    client.on('reconnecting', () => (reconnects += 1));

    const failures: string[] = [];
    let succeeded = 0;
    const until = Date.now() + 4500;
    const load = (async () => {
      while (Date.now() < until) {
        await client.incr('counter').then(
          () => (succeeded += 1),
          (error: Error) => failures.push(error.message),
        );
      }
    })();
    // Dropping the connection after two renewals forces a login with a current token.
    await sleep(2500);
    await admin.call('CLIENT', 'KILL', 'USER', userId);
    await load;

    try {
      expect(failures).toEqual([]);
      expect(succeeded).toBeGreaterThan(100);
      expect(signed.length).toBeGreaterThanOrEqual(4);
      expect(reconnects).toBeGreaterThanOrEqual(1);
      expect(await client.call('ACL', 'WHOAMI')).toBe(userId);
      // ioredis resends a command whose reply the killed connection lost, so an INCR that the
      // server had already applied counts twice: at most once per reconnect.
      const counter = Number(await admin.get('counter'));
      expect(counter).toBeGreaterThanOrEqual(succeeded);
      expect(counter).toBeLessThanOrEqual(succeeded + reconnects);
    } finally {
      detach();
      authentication.stop();
      client.disconnect();
    }
  });

  it('keeps a fail-fast store authenticated while tokens renew', async () => {
    const signed: string[] = [];
    const sign = async () => {
      const token = await signElastiCacheToken({
        replicationGroupId: 'palisade-cache',
        userId,
        region: 'eu-west-1',
        credentials: fakeKeys,
      });
      await admin.call('ACL', 'SETUSER', userId, `>${token}`);
      const expired = signed.at(-2);
      if (expired !== undefined) await admin.call('ACL', 'SETUSER', userId, `<${expired}`);
      signed.push(token);
      return token;
    };
    const authentication = new RedisIamAuthentication({
      replicationGroupId: 'palisade-cache',
      userId,
      region: 'eu-west-1',
      credentials: () => Promise.resolve(fakeKeys),
      refreshBeforeExpiryMs: 899_000,
      sign,
    });
    const options = redisClientOptions(
      {
        url: `rediss://127.0.0.1:${redis.port}`,
        tlsCaFile: redis.caFile,
        authentication: { mode: 'elasticache-iam', userId },
      },
      await authentication.token(),
    );
    // The store queues nothing while disconnected, so renewal must not reconnect.
    const store = new RedisStore({
      url: `rediss://127.0.0.1:${redis.port}`,
      keyPrefix: 'store-test:',
      connection: { options, attach: (client) => void authentication.attach(client) },
    });
    try {
      expect(await store.waitUntilReady(5000)).toBe(true);
      const failures: string[] = [];
      let succeeded = 0;
      const until = Date.now() + 3500;
      while (Date.now() < until) {
        await store.set('key', String(succeeded), 60_000).then(
          () => (succeeded += 1),
          (error: Error) => failures.push(error.message),
        );
      }
      expect(failures).toEqual([]);
      expect(signed.length).toBeGreaterThanOrEqual(3);
      expect(await admin.get('store-test:key')).toBe(String(succeeded - 1));

      // A reconnection after the first tokens were revoked logs in with the current one.
      await admin.call('CLIENT', 'KILL', 'USER', userId);
      await sleep(300);
      expect(await store.waitUntilReady(5000)).toBe(true);
      await expect(store.get('key')).resolves.toBe(String(succeeded - 1));
    } finally {
      authentication.stop();
      await store.close();
    }
  });

  it('cannot log in with a revoked token', async () => {
    // Tokens signed in the same second are identical, so every earlier one is revoked first.
    await admin.call('ACL', 'SETUSER', userId, 'resetpass');
    const token = await signElastiCacheToken({
      replicationGroupId: 'palisade-cache',
      userId,
      region: 'eu-west-1',
      credentials: fakeKeys,
    });
    const client = new Redis({
      ...redisClientOptions(
        {
          url: `rediss://127.0.0.1:${redis.port}`,
          tlsCaFile: redis.caFile,
          authentication: { mode: 'elasticache-iam', userId },
        },
        token,
      ),
      lazyConnect: true,
      retryStrategy: () => null,
    });
    try {
      const error = await firstError(client);
      expect(error.message).toContain('WRONGPASS');

      // ioredis attaches the AUTH arguments to the error; the service logger must drop them.
      expect((error as Error & { command?: { args: string[] } }).command?.args).toContain(token);
      const lines: string[] = [];
      const logger = createLogger({
        service: 'test',
        destination: { write: (line: string) => void lines.push(line) },
      });
      logger.error({ err: error }, 'redis connection failed');
      expect(lines.join('')).toContain('WRONGPASS');
      expect(lines.join('')).not.toContain(token);
    } finally {
      client.disconnect();
    }
  });

  it('refuses a server certificate from another CA', async () => {
    const otherCa = await createCertificateAuthority({ commonName: 'someone else' });
    const otherCaFile = join(folder, 'other-ca.pem');
    await writeFile(otherCaFile, otherCa.certificatePem);
    const client = adminClient(redis.port, otherCaFile, {
      lazyConnect: true,
      retryStrategy: () => null,
    });
    try {
      expect((await firstError(client)).message).toMatch(/certificate/i);
    } finally {
      client.disconnect();
    }
  });
});
