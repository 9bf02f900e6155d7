import { randomBytes, randomUUID } from 'node:crypto';

import { migrate } from '@palisade/cli';
import {
  KafkaTransport,
  PostgresQueueTransport,
  deadLetterTopic,
  retryingHandler,
  type SagaMessage,
  type SagaTransport,
  type Subscription,
} from '@palisade/inventory';
import {
  createScratchDatabase,
  kafkaBrokerAvailable,
  testKafkaBrokers,
  testServerAvailable,
  type ScratchDatabase,
} from '@palisade/testkit';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const databaseUp = await testServerAvailable();
const kafkaUp = await kafkaBrokerAvailable();

const quiet = { warn: () => undefined, error: () => undefined };

function message(topic: string, key: string, index: number): SagaMessage {
  return {
    messageId: randomUUID(),
    topic,
    key,
    type: 'Probe',
    correlationId: randomUUID(),
    traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
    payload: { index },
  };
}

async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface TransportCase {
  readonly kind: string;
  readonly available: boolean;
  open(): Promise<{ transport: SagaTransport; close(): Promise<void> }>;
}

let database: ScratchDatabase | undefined;
let pool: pg.Pool | undefined;

const cases: TransportCase[] = [
  {
    kind: 'postgres queue',
    available: databaseUp,
    open: () => {
      if (pool === undefined) throw new Error('the scratch database is not ready');
      const transport = new PostgresQueueTransport(pool, { pollIntervalMs: 20 });
      return Promise.resolve({ transport, close: () => transport.close() });
    },
  },
  {
    kind: 'kafka',
    available: kafkaUp,
    open: () => {
      const transport = new KafkaTransport({ brokers: testKafkaBrokers, clientId: 'behaviour' });
      return Promise.resolve({ transport, close: () => transport.close() });
    },
  },
];

beforeAll(async () => {
  if (!databaseUp) return;
  database = await createScratchDatabase();
  await migrate({ databaseUrl: database.url });
  pool = new pg.Pool({ connectionString: database.url, max: 10 });
});

afterAll(async () => {
  await pool?.end();
  await new Promise((resolve) => setTimeout(resolve, 300));
  await database?.drop();
});

for (const testCase of cases) {
  describe.skipIf(!testCase.available)(`saga transport behaviour: ${testCase.kind}`, () => {
    let opened: { transport: SagaTransport; close(): Promise<void> };
    const subscriptions: Subscription[] = [];

    beforeAll(async () => {
      opened = await testCase.open();
    });

    afterEach(async () => {
      for (const subscription of subscriptions.splice(0)) await subscription.stop();
    });

    afterAll(async () => {
      await opened?.close();
    });

    const topic = (): string => `behaviour-${randomBytes(4).toString('hex')}`;

    it('delivers the messages of one key in publish order with their headers', async () => {
      const name = topic();
      const received: SagaMessage[] = [];
      subscriptions.push(
        await opened.transport.subscribe(name, 'group-a', (delivered) => {
          received.push(delivered);
          return Promise.resolve();
        }),
      );
      const sent = Array.from({ length: 20 }, (_, index) => message(name, 'saga-1', index));

      await opened.transport.publish(sent);
      await waitUntil(() => received.length >= 20);

      expect(received.map((delivered) => delivered.payload['index'])).toEqual(
        sent.map((_, index) => index),
      );
      expect(received[0]?.messageId).toBe(sent[0]?.messageId);
      expect(received[0]?.correlationId).toBe(sent[0]?.correlationId);
      expect(received[0]?.traceparent).toBe(sent[0]?.traceparent);
      expect(received[0]?.key).toBe('saga-1');
      expect(received[0]?.type).toBe('Probe');
    });

    it('delivers each message to every subscribed group', async () => {
      const name = topic();
      const first: SagaMessage[] = [];
      const second: SagaMessage[] = [];
      for (const [group, into] of [
        ['group-a', first],
        ['group-b', second],
      ] as const) {
        subscriptions.push(
          await opened.transport.subscribe(name, group, (delivered) => {
            into.push(delivered);
            return Promise.resolve();
          }),
        );
      }

      await opened.transport.publish([message(name, 'saga-2', 0)]);
      await waitUntil(() => first.length === 1 && second.length === 1);

      expect(first[0]?.messageId).toBe(second[0]?.messageId);
    });

    it('delivers a message again when its handler rejects', async () => {
      const name = topic();
      const attempts: string[] = [];
      subscriptions.push(
        await opened.transport.subscribe(name, 'group-a', (delivered) => {
          attempts.push(delivered.messageId);
          return attempts.length === 1
            ? Promise.reject(new Error('transient failure'))
            : Promise.resolve();
        }),
      );
      const sent = message(name, 'saga-3', 0);

      await opened.transport.publish([sent]);
      await waitUntil(() => attempts.length >= 2);

      expect(attempts.slice(0, 2)).toEqual([sent.messageId, sent.messageId]);
    });

    it('keeps an unacknowledged message for the group that subscribes again', async () => {
      const name = topic();
      const first = await opened.transport.subscribe(name, 'group-a', () => Promise.resolve());
      await first.stop();
      await opened.transport.publish([message(name, 'saga-4', 7)]);
      const received: SagaMessage[] = [];

      subscriptions.push(
        await opened.transport.subscribe(name, 'group-a', (delivered) => {
          received.push(delivered);
          return Promise.resolve();
        }),
      );
      await waitUntil(() => received.length === 1);

      expect(received[0]?.payload['index']).toBe(7);
    });

    it('retries a failing handler and then dead-letters the message', async () => {
      const name = topic();
      const dead: SagaMessage[] = [];
      let calls = 0;
      subscriptions.push(
        await opened.transport.subscribe(deadLetterTopic(name), 'group-dlq', (delivered) => {
          dead.push(delivered);
          return Promise.resolve();
        }),
      );
      subscriptions.push(
        await opened.transport.subscribe(
          name,
          'group-a',
          retryingHandler(
            opened.transport,
            () => {
              calls += 1;
              return Promise.reject(new Error('permanent failure'));
            },
            { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 40 },
            quiet,
          ),
        ),
      );
      const sent = message(name, 'saga-5', 0);

      await opened.transport.publish([sent]);
      await waitUntil(() => dead.length === 1);

      expect(calls).toBe(3);
      expect(dead[0]?.messageId).toBe(sent.messageId);
      expect(dead[0]?.correlationId).toBe(sent.correlationId);
    });
  });
}

describe.skipIf(!kafkaUp)('kafka consumer group membership', () => {
  it('keeps a consumer whose handler outlasts the session timeout', async () => {
    const transport = new KafkaTransport({ brokers: testKafkaBrokers, clientId: 'slow-handler' });
    const name = `slow-${randomBytes(4).toString('hex')}`;
    const deliveries: string[] = [];
    try {
      const subscription = await transport.subscribe(name, 'group-slow', async (delivered) => {
        deliveries.push(delivered.messageId);
        // Longer than the consumer's 6 s session timeout, as a handler's retries can be.
        if (deliveries.length === 1) await new Promise((resolve) => setTimeout(resolve, 8000));
      });
      const slow = message(name, 'saga-slow', 0);
      const next = message(name, 'saga-slow', 1);

      await transport.publish([slow, next]);
      await waitUntil(() => deliveries.length >= 2, 30_000);
      // A consumer that had been dropped would get the slow message again after it rejoined.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await subscription.stop();

      expect(deliveries).toEqual([slow.messageId, next.messageId]);
    } finally {
      await transport.close();
    }
  }, 60_000);
});

describe.skipIf(!databaseUp)('postgres queue leases and transactions', () => {
  const scratchPool = (): pg.Pool => {
    if (pool === undefined) throw new Error('the scratch database is not ready');
    return pool;
  };

  it('delivers a message again when its consumer hangs', async () => {
    const name = `lease-${randomBytes(4).toString('hex')}`;
    const stuck = new PostgresQueueTransport(scratchPool(), { pollIntervalMs: 20, leaseMs: 300 });
    const healthy = new PostgresQueueTransport(scratchPool(), { pollIntervalMs: 20 });
    let stuckCalls = 0;
    // The handler never settles, as in a consumer that stopped responding, so its loop stays parked.
    await stuck.subscribe(name, 'group-a', () => {
      stuckCalls += 1;
      return new Promise<void>(() => undefined);
    });
    await healthy.publish([message(name, 'saga-9', 9)]);
    await waitUntil(() => stuckCalls === 1);

    const received: SagaMessage[] = [];
    const second = await healthy.subscribe(name, 'group-a', (delivered) => {
      received.push(delivered);
      return Promise.resolve();
    });
    await waitUntil(() => received.length === 1);
    await second.stop();

    expect(received[0]?.payload['index']).toBe(9);
    expect(stuckCalls).toBe(1);
  });

  it('writes through a client only when its transaction commits', async () => {
    const name = `client-${randomBytes(4).toString('hex')}`;
    const transport = new PostgresQueueTransport(scratchPool(), { pollIntervalMs: 20 });
    await scratchPool().query(
      'INSERT INTO messaging.subscriptions (topic, group_name) VALUES ($1, $2)',
      [name, 'group-a'],
    );
    const pending = async () => {
      const result = await scratchPool().query<{ count: string }>(
        'SELECT count(*)::text AS count FROM messaging.deliveries WHERE topic = $1',
        [name],
      );
      return result.rows[0]?.count;
    };
    const client = await scratchPool().connect();
    try {
      await client.query('BEGIN');
      await transport.publish([message(name, 'saga-10', 1)], { client });
      await client.query('ROLLBACK');
      const afterRollback = await pending();

      await client.query('BEGIN');
      await transport.publish([message(name, 'saga-10', 2)], { client });
      await client.query('COMMIT');

      expect(afterRollback).toBe('0');
      expect(await pending()).toBe('1');
    } finally {
      client.release();
    }
  });
});
