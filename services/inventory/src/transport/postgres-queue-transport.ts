import type pg from 'pg';

import { sleep } from './backoff.js';
import type { MessageHandler, SagaMessage, SagaTransport, Subscription } from './transport.js';

export interface PostgresQueueTransportOptions {
  /** How long an idle consumer waits before looking again. */
  readonly pollIntervalMs?: number;
  /** Deliveries one poll takes at most. */
  readonly batchSize?: number;
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
 * consumer group of the topic; a consumer takes rows with `FOR UPDATE SKIP LOCKED`, skipping
 * any key that has an earlier row still pending, and deletes each row in the transaction that
 * handled it, so a crash before the commit delivers it again.
 *
 * NOTE: a group receives only messages published after its row in `messaging.subscriptions`
 * exists, unlike a new Kafka group reading from the beginning. The migration registers the
 * groups of the default topics.
 */
export class PostgresQueueTransport implements SagaTransport {
  readonly #pool: pg.Pool;
  readonly #pollIntervalMs: number;
  readonly #batchSize: number;
  readonly #onError: (error: unknown, topic: string, group: string) => void;
  readonly #subscriptions = new Set<Subscription>();

  constructor(pool: pg.Pool, options: PostgresQueueTransportOptions = {}) {
    this.#pool = pool;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#batchSize = options.batchSize ?? 20;
    this.#onError = options.onError ?? (() => undefined);
  }

  async publish(messages: readonly SagaMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
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

  async #pollOnce(
    topic: string,
    group: string,
    handler: MessageHandler,
    isRunning: () => boolean,
  ): Promise<number> {
    const client = await this.#pool.connect();
    let handled = 0;
    try {
      await client.query('BEGIN');
      // A key with an earlier delivery still pending (perhaps locked by another consumer) is skipped, so
      // each key keeps its order.
      const { rows } = await client.query<DeliveryRow>(
        `SELECT d.id, d.topic, d.message_key, d.headers, d.payload
           FROM messaging.deliveries d
          WHERE d.topic = $1 AND d.group_name = $2
            AND NOT EXISTS (
              SELECT 1 FROM messaging.deliveries e
               WHERE e.topic = d.topic AND e.group_name = d.group_name
                 AND e.message_key = d.message_key AND e.id < d.id)
          ORDER BY d.id
          LIMIT $3
          FOR UPDATE SKIP LOCKED`,
        [topic, group, this.#batchSize],
      );
      for (const row of rows) {
        if (!isRunning()) break;
        await handler(toMessage(row));
        await client.query('DELETE FROM messaging.deliveries WHERE id = $1', [row.id]);
        handled += 1;
      }
      await client.query('COMMIT');
      return handled;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
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
