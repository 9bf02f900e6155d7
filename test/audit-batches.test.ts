import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';

import { findFreePort, migrate, verifyAuditChain } from '@palisade/cli';
import { IdempotencyReservations, MemoryStore } from '@palisade/store';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  auditTestDatabaseKinds,
  collectingLogger,
  openAuditTestDatabase,
  type AuditTestDatabase,
} from './audit-support.js';
import { AdminFunctions } from '../services/gatekeeper/src/admin/admin-functions.js';
import { AuditBatchWriter } from '../services/gatekeeper/src/audit/audit-batch-writer.js';
import type { AuditEventInput } from '../services/gatekeeper/src/audit/audit-log.js';
import { setAuditLogger } from '../services/gatekeeper/src/audit/audit-stream.js';
import { ProfileCache } from '../services/gatekeeper/src/cache/profile-cache.js';
import type { CallContext } from '../services/gatekeeper/src/caller.js';
import { createPool } from '../services/gatekeeper/src/db/pool.js';
import { newCallScope, runInCallScope } from '../services/gatekeeper/src/grpc/call-scope.js';
import { IdempotentWrites } from '../services/gatekeeper/src/idempotency/idempotent-writes.js';
import { createGatekeeperMetrics } from '../services/gatekeeper/src/metrics/metrics-registry.js';
import { ProfileFunctions } from '../services/gatekeeper/src/users/profile-functions.js';
import { UserIdCache } from '../services/gatekeeper/src/users/user-id-cache.js';

const concurrentReads = 60;

function readEvent(requestId: string, actorId: string = randomUUID()): AuditEventInput {
  return {
    actorId,
    actorSubject: `subject-${requestId}`,
    action: 'profile.read',
    targetType: 'profile',
    targetId: actorId,
    requestId,
  };
}

/**
 * Forwards TCP connections to the database. While `stallBatches` is on, a connection that sends
 * the batch INSERT stops forwarding in both directions, as a dropped network path would.
 */
async function startStallingProxy(databaseUrl: string) {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  const state = { stallBatches: false };
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port || '5432'), target.hostname);
    let stalled = false;
    sockets.add(inbound);
    sockets.add(outbound);
    inbound.on('data', (chunk: Buffer) => {
      if (state.stallBatches && chunk.includes('unnest($1::uuid[]')) stalled = true;
      if (!stalled) outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => {
      if (!stalled) inbound.write(chunk);
    });
    for (const socket of [inbound, outbound]) socket.on('error', () => undefined);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  const port = await findFreePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return {
    url: proxied.toString(),
    set stallBatches(value: boolean) {
      state.stallBatches = value;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe.each(auditTestDatabaseKinds)('audit events of reads on the %s database', (kind) => {
  let database: AuditTestDatabase;
  let pool: pg.Pool;

  async function storedRequestIds(): Promise<string[]> {
    const result = await pool.query<{ request_id: string }>(
      'SELECT request_id FROM audit.events ORDER BY seq',
    );
    return result.rows.map((row) => row.request_id);
  }

  beforeAll(async () => {
    database = await openAuditTestDatabase(kind);
    await migrate({ databaseUrl: database.url });
    pool = new pg.Pool({ connectionString: database.url, max: database.poolMax });
  });

  afterAll(async () => {
    setAuditLogger(pino({ enabled: false }));
    await pool?.end();
    await database?.stop();
  });

  it('batches concurrent reads in arrival order', async () => {
    const { logger, lines } = collectingLogger();
    setAuditLogger(logger);
    const batchSizes: number[] = [];
    const writer = new AuditBatchWriter(pool, {
      onBatchCommitted: (size) => batchSizes.push(size),
    });
    const requestIds = Array.from({ length: concurrentReads }, (_, index) => `batch-${index}`);

    await Promise.all(requestIds.map((requestId) => writer.append(readEvent(requestId))));
    const chain = await verifyChain();
    const logged = lines.filter((line) => line['audit'] === true);

    expect(await storedRequestIds()).toEqual(requestIds);
    expect(batchSizes.reduce((sum, size) => sum + size, 0)).toBe(concurrentReads);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(chain).toEqual({
      intact: true,
      events: concurrentReads,
      lastSeq: String(concurrentReads),
    });
    expect(logged.map((line) => line['request_id'])).toEqual(requestIds);
  });

  it('resolves appends after the commit', async () => {
    const writer = new AuditBatchWriter(pool);
    const requestIds = Array.from({ length: 10 }, (_, index) => `visible-${index}`);

    const visibleOnResolve = await Promise.all(
      requestIds.map(async (requestId) => {
        await writer.append(readEvent(requestId));
        // Another connection reads only committed rows.
        const found = await pool.query('SELECT 1 FROM audit.events WHERE request_id = $1', [
          requestId,
        ]);
        return found.rowCount;
      }),
    );

    expect(visibleOnResolve).toEqual(requestIds.map(() => 1));
  });

  it('fails only the rejected event', async () => {
    const writer = new AuditBatchWriter(pool);
    const before = (await storedRequestIds()).length;
    const rejected = { ...readEvent('rejected'), actorId: 'not-a-uuid' };
    const requestIds = ['kept-1', 'kept-2', 'kept-3'];

    const outcomes = await Promise.allSettled([
      writer.append(readEvent('first-alone')),
      // These four queue behind the first and form one batch.
      writer.append(readEvent(requestIds[0]!)),
      writer.append(rejected),
      writer.append(readEvent(requestIds[1]!)),
      writer.append(readEvent(requestIds[2]!)),
    ]);
    const stored = (await storedRequestIds()).slice(before);

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(outcomes[2]).toMatchObject({ reason: { code: '22P02' } });
    expect(stored).toEqual(['first-alone', ...requestIds]);
    expect((await verifyChain()).intact).toBe(true);
  });

  it('charges the wait to the caller', async () => {
    const writer = new AuditBatchWriter(pool);
    const scope = newCallScope(undefined);

    await runInCallScope(scope, () => writer.append(readEvent('timed')));

    expect(scope.databaseNanoseconds).toBeGreaterThan(0n);
  });

  it('returns no unaudited profile', async () => {
    const gatekeeperPool = createPool({
      connectionString: database.url,
      max: 2,
      statementTimeoutMs: 5000,
    });
    const unreachable = createPool({
      connectionString: `postgres://palisade@127.0.0.1:${await findFreePort()}/none`,
      max: 1,
      statementTimeoutMs: 5000,
    });
    const store = new MemoryStore();
    const logger = pino({ enabled: false });
    const cache = new ProfileCache(store, {
      ttlMs: 60_000,
      metrics: createGatekeeperMetrics(),
      logger,
    });
    const writes = new IdempotentWrites(gatekeeperPool, new IdempotencyReservations(store));
    const context: CallContext = {
      caller: { issuer: 'https://issuer.test', subject: `reader-${randomUUID()}`, roles: [] },
      requestId: 'unaudited-read',
      logger,
    };
    try {
      // The first call creates the user, and its read is audited in that transaction.
      const working = new ProfileFunctions(
        gatekeeperPool,
        cache,
        writes,
        new AuditBatchWriter(gatekeeperPool),
        new UserIdCache({ ttlMs: 60_000 }),
      );
      const created = await working.ensureUser(context);
      const broken = new ProfileFunctions(
        gatekeeperPool,
        cache,
        writes,
        new AuditBatchWriter(unreachable),
        new UserIdCache({ ttlMs: 60_000 }),
      );

      await expect(broken.ensureUser(context)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await expect(broken.getProfile(context, '')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await expect(broken.getProfile(context, created.userId)).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      expect(await storedRequestIdsOf('unaudited-read')).toBe(2);
    } finally {
      await Promise.all([gatekeeperPool.end(), unreachable.end()]);
    }
  });

  it('creates a deleted user again', async () => {
    const gatekeeperPool = createPool({
      connectionString: database.url,
      max: 2,
      statementTimeoutMs: 5000,
    });
    const store = new MemoryStore();
    const logger = pino({ enabled: false });
    const metrics = createGatekeeperMetrics();
    const cache = new ProfileCache(store, { ttlMs: 60_000, metrics, logger });
    const writes = new IdempotentWrites(gatekeeperPool, new IdempotencyReservations(store));
    const userIds = new UserIdCache({ ttlMs: 60_000 });
    const profiles = new ProfileFunctions(
      gatekeeperPool,
      cache,
      writes,
      new AuditBatchWriter(gatekeeperPool),
      userIds,
    );
    const admin = new AdminFunctions(gatekeeperPool, cache, writes);
    const user: CallContext = {
      caller: { issuer: 'https://issuer.test', subject: `deleted-${randomUUID()}`, roles: [] },
      requestId: 'deleted-user',
      logger,
    };
    const administrator: CallContext = {
      caller: { issuer: 'https://issuer.test', subject: `admin-${randomUUID()}`, roles: ['admin'] },
      requestId: 'delete-user',
      logger,
    };
    try {
      const first = await profiles.ensureUser(user);
      await profiles.ensureUser(user);
      // The third read takes the id from the id cache and the row from the profile cache.
      const third = await profiles.ensureUser(user);
      const hits = (await metrics.cacheHits.get()).values.find(
        (sample) => sample.labels.function === 'EnsureUser',
      );
      await admin.deleteUserData(administrator, first.userId);

      await expect(profiles.getProfile(user, '')).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: 'no profile yet: call EnsureUser first',
      });
      const recreated = await profiles.ensureUser(user);

      expect(third.userId).toBe(first.userId);
      expect(hits?.value).toBe(1);
      expect(recreated.userId).not.toBe(first.userId);
      expect(userIds.get(user.caller.issuer, user.caller.subject)).toBe(recreated.userId);
    } finally {
      await gatekeeperPool.end();
    }
  });

  it('times out a stalled batch', async () => {
    const proxy = await startStallingProxy(database.url);
    const proxiedPool = new pg.Pool({ connectionString: proxy.url, max: 2 });
    const writer = new AuditBatchWriter(proxiedPool, { queryTimeoutMs: 500 });
    try {
      proxy.stallBatches = true;
      const stalled = writer.append(readEvent('stalled-batch'));
      const queuedBehind = writer.append(readEvent('queued-behind'));

      await expect(stalled).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(queuedBehind).rejects.toMatchObject({ code: 'UNAVAILABLE' });

      proxy.stallBatches = false;
      await expect(writer.append(readEvent('after-stall'))).resolves.toBeUndefined();
      expect(await storedRequestIdsOf('after-stall')).toBe(1);
      // The stalled connection is closed, not handed back to the pool.
      expect(proxiedPool.totalCount).toBe(1);
    } finally {
      proxy.close();
      await proxiedPool.end();
    }
  });

  it('rejects events beyond the queue limit', async () => {
    const writer = new AuditBatchWriter(pool, { maxQueuedEvents: 2 });

    // The first event leaves the queue at once as its own batch; the next two wait for it.
    const accepted = [1, 2, 3].map((index) => writer.append(readEvent(`queued-${index}`)));
    const overflow = writer.append(readEvent('overflow'));

    await expect(overflow).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'the audit trail is not keeping up, retry later',
    });
    await expect(Promise.all(accepted)).resolves.toHaveLength(3);
    expect(await storedRequestIdsOf('overflow')).toBe(0);
  });

  it('rejects a batch size of 0', () => {
    expect(() => new AuditBatchWriter(pool, { maxBatchSize: 0 })).toThrow(
      'maxBatchSize must be a positive integer, got 0',
    );
  });

  async function storedRequestIdsOf(requestId: string): Promise<number> {
    const result = await pool.query('SELECT 1 FROM audit.events WHERE request_id = $1', [
      requestId,
    ]);
    return result.rowCount ?? 0;
  }

  async function verifyChain() {
    const client = await pool.connect();
    try {
      return await verifyAuditChain(client);
    } finally {
      client.release();
    }
  }
});
