import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type pg from 'pg';

import { sleep } from './backoff.js';
import { messageContext } from './trace-context.js';
import type {
  MessageHandler,
  PublishOptions,
  SagaMessage,
  SagaTransport,
  Subscription,
} from './transport.js';

export interface PostgresQueueTransportOptions {
  /** How long an idle consumer waits before looking again. */
  readonly pollIntervalMs?: number;
  /** Deliveries one poll takes at most. */
  readonly batchSize?: number;
  /**
   * How long a consumer may take over one leased delivery before it is delivered again, in
   * milliseconds. Default 60 000: longer than a handler's retries with their backoff.
   */
  readonly leaseMs?: number;
  /** Receives each failed poll (a rejected handler or a lost connection); the rows are taken again. */
  readonly onError?: (error: unknown, topic: string, group: string) => void;
}

interface DeliveryRow {
  id: string;
  headers: {
    messageId: string;
    type: string;
    correlationId: string;
    traceparent?: string;
  };
  payload: Record<string, unknown>;
  message_key: string;
  topic: string;
}

/**
 * The embedded saga transport: a queue in PostgreSQL (schema `messaging`), so a stack without a
 * broker has the same delivery semantics as Kafka. Publishing writes one delivery row per
 * consumer group of the topic. A consumer leases rows with `FOR UPDATE SKIP LOCKED`, skipping
 * any key that has an earlier row still pending. It deletes each row once its handler
 * resolves, so after a crash the row is delivered again when the lease runs out.
 *
 * NOTE: a group receives only messages published after its row in `messaging.subscriptions`
 * exists, unlike a new Kafka group reading from the beginning. The migration registers the
 * groups of the default topics.
 */
export class PostgresQueueTransport implements SagaTransport {
  readonly #pool: pg.Pool;
  readonly #pollIntervalMs: number;
  readonly #batchSize: number;
  readonly #leaseMs: number;
  readonly #onError: (error: unknown, topic: string, group: string) => void;
  readonly #subscriptions = new Set<Subscription>();

  constructor(pool: pg.Pool, options: PostgresQueueTransportOptions = {}) {
    this.#pool = pool;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#batchSize = options.batchSize ?? 20;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#onError = options.onError ?? (() => undefined);
  }

  async publish(messages: readonly SagaMessage[], options: PublishOptions = {}): Promise<void> {
    if (messages.length === 0) return;
    if (options.client !== undefined) {
      await insertDeliveries(options.client, messages);
      return;
    }
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await insertDeliveries(client, messages);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async subscribe(topic: string, group: string, handler: MessageHandler): Promise<Subscription> {
    await this.#pool.query(
      `INSERT INTO messaging.subscriptions (topic, group_name) VALUES ($1, $2)
       ON CONFLICT DO NOTHING`,
      [topic, group],
    );
    let running = true;
    const loop = (async () => {
      while (running) {
        let handled = 0;
        try {
          handled = await this.#pollOnce(topic, group, handler, () => running);
        } catch (error) {
          // The rows stay, so the next poll takes them again.
          this.#onError(error, topic, group);
        }
        if (handled === 0 && running) await sleep(this.#pollIntervalMs);
      }
    })();
    const subscription: Subscription = {
      stop: async () => {
        running = false;
        await loop;
        this.#subscriptions.delete(subscription);
      },
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Leases a batch of deliveries, runs the handler on each in id order and deletes each one it
   * handled. No transaction stays open while a handler runs, because the handler writes through
   * its own connection (and PGlite runs one transaction at a time). A lease that runs out, after
   * a crash, delivers the row again.
   */
  async #pollOnce(
    topic: string,
    group: string,
    handler: MessageHandler,
    isRunning: () => boolean,
  ): Promise<number> {
    // A key with an earlier delivery still pending (perhaps leased by another consumer) is
    // skipped, so each key keeps its order.
    const { rows } = await this.#pool.query<DeliveryRow>(
      `UPDATE messaging.deliveries
          SET leased_until = now() + $4 * interval '1 millisecond'
        WHERE id IN (
          SELECT d.id FROM messaging.deliveries d
           WHERE d.topic = $1 AND d.group_name = $2
             AND (d.leased_until IS NULL OR d.leased_until < now())
             AND NOT EXISTS (
               SELECT 1 FROM messaging.deliveries e
                WHERE e.topic = d.topic AND e.group_name = d.group_name
                  AND e.message_key = d.message_key AND e.id < d.id)
           ORDER BY d.id
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING id, topic, message_key, headers, payload`,
      [topic, group, this.#batchSize, this.#leaseMs],
    );
    rows.sort((left, right) => Number(BigInt(left.id) - BigInt(right.id)));

    let handled = 0;
    try {
      for (const row of rows) {
        if (!isRunning()) break;
        await handleInSpan(handler, toMessage(row), group);
        await this.#pool.query('DELETE FROM messaging.deliveries WHERE id = $1', [row.id]);
        handled += 1;
      }
    } finally {
      const unhandled = rows.slice(handled).map((row) => row.id);
      if (unhandled.length > 0) {
        // Returned at once, so the next poll takes them again without waiting out the lease.
        await this.#pool
          .query('UPDATE messaging.deliveries SET leased_until = NULL WHERE id = ANY($1)', [
            unhandled,
          ])
          .catch((error: unknown) => this.#onError(error, topic, group));
      }
    }
    return handled;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
  }
}

function toMessage(row: DeliveryRow): SagaMessage {
  return {
    messageId: row.headers.messageId,
    topic: row.topic,
    key: row.message_key,
    type: row.headers.type,
    correlationId: row.headers.correlationId,
    ...(row.headers.traceparent === undefined ? {} : { traceparent: row.headers.traceparent }),
    payload: row.payload,
  };
}

async function insertDeliveries(
  client: pg.ClientBase,
  messages: readonly SagaMessage[],
): Promise<void> {
  for (const message of messages) {
    const headers = {
      messageId: message.messageId,
      type: message.type,
      correlationId: message.correlationId,
      ...(message.traceparent === undefined ? {} : { traceparent: message.traceparent }),
    };
    await client.query(
      `INSERT INTO messaging.deliveries (topic, group_name, message_key, headers, payload)
       SELECT topic, group_name, $2, $3, $4 FROM messaging.subscriptions WHERE topic = $1`,
      [message.topic, message.key, JSON.stringify(headers), JSON.stringify(message.payload)],
    );
  }
}

const tracer = trace.getTracer('@palisade/inventory');

/**
 * Runs the handler in a consumer span that continues the message's trace, as the kafkajs
 * instrumentation does for Kafka, so both transports produce the same traces.
 */
async function handleInSpan(
  handler: MessageHandler,
  message: SagaMessage,
  group: string,
): Promise<void> {
  const span = tracer.startSpan(
    `${message.topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'postgresql',
        'messaging.destination.name': message.topic,
        'messaging.consumer.group.name': group,
        'messaging.message.id': message.messageId,
      },
    },
    messageContext(message.traceparent),
  );
  try {
    await context.with(trace.setSpan(context.active(), span), () => handler(message));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
