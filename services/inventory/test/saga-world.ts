import { randomBytes } from 'node:crypto';

import { migrate } from '@palisade/cli';
import {
  detachOwnerExperiments,
  ExperimentSaga,
  InventoryParticipant,
  KafkaTransport,
  OutboxRelay,
  PostgresQueueTransport,
  deadLetterTopic,
  sagaTopics,
  type BackoffPolicy,
  type PublishOptions,
  type ExperimentState,
  type ExperimentView,
  type SagaMessage,
  type SagaTopics,
  type SagaTransport,
  type Subscription,
} from '@palisade/inventory';
import { MemoryStore, createStore, type KeyValueStore } from '@palisade/store';
import {
  createScratchDatabase,
  testKafkaBrokers,
  testRedisUrl,
  type ScratchDatabase,
} from '@palisade/testkit';
import pg from 'pg';
import { Registry } from 'prom-client';

export type TransportKind = 'kafka' | 'postgres';

/** Publishes every message twice when `duplicate` is on, to exercise redelivery. */
export class DuplicatingTransport implements SagaTransport {
  duplicate = false;

  constructor(readonly inner: SagaTransport) {}

  async publish(messages: readonly SagaMessage[], options?: PublishOptions): Promise<void> {
    await this.inner.publish(this.duplicate ? messages.flatMap((m) => [m, m]) : messages, options);
  }

  subscribe(...args: Parameters<SagaTransport['subscribe']>): Promise<Subscription> {
    return this.inner.subscribe(...args);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

// SAGA_TEST_LOG=1 prints the warnings and errors of both sides.
const print = (fields: object, message: string): void => {
  if (process.env['SAGA_TEST_LOG'] === '1')
    process.stdout.write(`${message} ${String(Object.keys(fields))}\n`);
};
const quietLogger = { info: () => undefined, warn: print, error: print };

/**
 * Command timings for the tests about timeouts: short, so a saga runs out of attempts within a
 * few seconds. A Kafka consumer that rejoins its group needs a few seconds before it fetches.
 */
export function shortCommandRetry(kind: TransportKind): BackoffPolicy {
  return kind === 'kafka'
    ? { maxAttempts: 5, initialDelayMs: 300, maxDelayMs: 1500 }
    : { maxAttempts: 4, initialDelayMs: 200, maxDelayMs: 800 };
}

/** Command timings of every other test: long enough that a loaded machine never exhausts them. */
export const patientCommandRetry: BackoffPolicy = {
  maxAttempts: 8,
  initialDelayMs: 1000,
  maxDelayMs: 4000,
};

/**
 * One database, one Redis prefix and one set of topics with the orchestrator and the inventory
 * service running on their own transport instances, as two processes would.
 */
export class SagaWorld {
  readonly topics: SagaTopics;
  registry = new Registry();
  sagaCommandRetry: BackoffPolicy = patientCommandRetry;
  readonly deadLetters: SagaMessage[] = [];
  readonly events: SagaMessage[] = [];
  readonly replies: SagaMessage[] = [];
  saga!: ExperimentSaga;
  inventory!: InventoryParticipant;
  readonly #observers: Subscription[] = [];
  readonly #relays: OutboxRelay[] = [];
  #compensationRetry: BackoffPolicy | undefined;

  private constructor(
    readonly kind: TransportKind,
    readonly database: ScratchDatabase,
    readonly pool: pg.Pool,
    readonly store: KeyValueStore,
    readonly orchestratorTransport: DuplicatingTransport,
    readonly inventoryTransport: DuplicatingTransport,
    readonly observerTransport: SagaTransport,
    prefix: string,
  ) {
    this.topics = sagaTopics(prefix);
  }

  static async start(kind: TransportKind): Promise<SagaWorld> {
    const database = await createScratchDatabase();
    await migrate({ databaseUrl: database.url });
    const pool = new pg.Pool({ connectionString: database.url, max: 20 });
    const prefix = `test-${randomBytes(4).toString('hex')}`;
    const store = await createStore({ redisUrl: testRedisUrl, keyPrefix: `${prefix}:` }).catch(
      () => new MemoryStore(),
    );
    const transport = (clientId: string): SagaTransport =>
      kind === 'kafka'
        ? new KafkaTransport({ brokers: testKafkaBrokers, clientId })
        : new PostgresQueueTransport(pool, { pollIntervalMs: 20 });
    const world = new SagaWorld(
      kind,
      database,
      pool,
      store,
      new DuplicatingTransport(transport('orchestrator')),
      new DuplicatingTransport(transport('inventory')),
      transport('observer'),
      prefix,
    );
    await world.#startAll();
    return world;
  }

  async #startAll(): Promise<void> {
    const observe = async (topic: string, into: SagaMessage[]): Promise<void> => {
      this.#observers.push(
        // One group per topic: Kafka assigns a group's topics across all of its members.
        await this.observerTransport.subscribe(topic, `test-observer-${topic}`, (message) => {
          into.push(message);
          return Promise.resolve();
        }),
      );
    };
    await observe(deadLetterTopic(this.topics.inventoryCommands), this.deadLetters);
    await observe(this.topics.experimentEvents, this.events);
    await observe(this.topics.inventoryReplies, this.replies);

    this.inventory = this.newParticipant();
    await this.inventory.start();
    this.saga = this.newSaga();
    await this.saga.start();
    for (const [table, transport] of [
      ['app.outbox', this.orchestratorTransport],
      ['inventory.outbox', this.inventoryTransport],
    ] as const) {
      const relay = new OutboxRelay(this.pool, table, transport, { pollIntervalMs: 20 });
      relay.start();
      this.#relays.push(relay);
    }
  }

  /**
   * Replaces the running orchestrator by one with these retry policies and a fresh metrics
   * registry; compensations retry as commands do unless `compensationRetry` is given.
   */
  async restartSaga(
    commandRetry: BackoffPolicy = patientCommandRetry,
    compensationRetry?: BackoffPolicy,
  ): Promise<void> {
    if (commandRetry === this.sagaCommandRetry && compensationRetry === this.#compensationRetry) {
      return;
    }
    this.sagaCommandRetry = commandRetry;
    this.#compensationRetry = compensationRetry;
    await this.saga.stop();
    this.registry = new Registry();
    this.saga = this.newSaga(commandRetry);
    await this.saga.start();
  }

  newSaga(commandRetry: BackoffPolicy = patientCommandRetry): ExperimentSaga {
    return new ExperimentSaga({
      pool: this.pool,
      transport: this.orchestratorTransport,
      store: this.store,
      topics: this.topics,
      commandRetry,
      ...(this.#compensationRetry === undefined
        ? {}
        : { compensationRetry: this.#compensationRetry }),
      replyRetry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 100 },
      tickIntervalMs: 50,
      logger: quietLogger,
      registry: this.registry,
    });
  }

  newParticipant(): InventoryParticipant {
    return new InventoryParticipant({
      pool: this.pool,
      transport: this.inventoryTransport,
      store: this.store,
      topics: this.topics,
      retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 100 },
      logger: quietLogger,
    });
  }

  /** Adds items with random ids and returns the ids, in the order of `stocks`. */
  async addItems(...stocks: number[]): Promise<string[]> {
    const ids: string[] = [];
    for (const stock of stocks) {
      const id = `item-${randomBytes(5).toString('hex')}`;
      await this.pool.query('INSERT INTO inventory.items (id, name, stock) VALUES ($1, $1, $2)', [
        id,
        stock,
      ]);
      ids.push(id);
    }
    return ids;
  }

  /** Adds a user with a random subject and returns its id. */
  async addUser(): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      "INSERT INTO app.users (issuer, subject) VALUES ('https://idp.test', $1) RETURNING id",
      [`user-${randomBytes(5).toString('hex')}`],
    );
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('inserting a user returned no id');
    return id;
  }

  /** Deletes a user in one transaction, as the gatekeeper's data deletion does. */
  async deleteUser(userId: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await detachOwnerExperiments(client, userId, 'deleted');
      await client.query('DELETE FROM app.users WHERE id = $1', [userId]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async stock(itemId: string): Promise<number> {
    const { rows } = await this.pool.query<{ stock: number }>(
      'SELECT stock FROM inventory.items WHERE id = $1',
      [itemId],
    );
    return rows[0]?.stock ?? Number.NaN;
  }

  async reservationCount(itemId: string): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>(
      'SELECT count(*) FROM inventory.reservations WHERE item_id = $1',
      [itemId],
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** Waits until the experiment reaches a state other than PENDING, or `timeoutMs` passes. */
  async settled(id: string, timeoutMs = 30_000): Promise<ExperimentView> {
    return this.waitFor(id, (view) => view.state !== 'PENDING', timeoutMs);
  }

  async waitFor(
    id: string,
    condition: (view: ExperimentView) => boolean,
    timeoutMs = 30_000,
  ): Promise<ExperimentView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.saga.getExperiment(id);
      if (view !== undefined && condition(view)) return view;
      if (Date.now() > deadline) {
        throw new Error(`experiment ${id} still ${view?.state ?? 'missing'} after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async failedSagaCount(): Promise<number> {
    return this.#counterValue('palisade_saga_failed_total');
  }

  async reconciledSagaCount(): Promise<number> {
    return this.#counterValue('palisade_saga_reconciled_total');
  }

  async #counterValue(name: string): Promise<number> {
    const metric = await this.registry.getSingleMetric(name)?.get();
    return metric?.values[0]?.value ?? 0;
  }

  async close(): Promise<void> {
    await this.saga.stop();
    await this.inventory.stop();
    for (const relay of this.#relays) await relay.stop();
    for (const observer of this.#observers) await observer.stop();
    await this.orchestratorTransport.close();
    await this.inventoryTransport.close();
    await this.observerTransport.close();
    await this.store.close();
    await this.pool.end();
    // pool.end() resolves before the sockets close; a forced drop would then kill them mid-close.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await this.database.drop();
  }
}

export type { ExperimentState };
