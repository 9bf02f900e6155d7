import type pg from 'pg';

import { sleep } from '../transport/backoff.js';
import type { SagaMessage, SagaTransport } from '../transport/transport.js';

/** The outbox tables the migrations create: one per service, so each writes only its own. */
export type OutboxTable = 'app.outbox' | 'inventory.outbox';

/**
 * Writes `message` to the outbox inside the caller's transaction, so it is published exactly
 * when the state change beside it commits.
 */
export async function writeOutbox(
  client: pg.ClientBase,
  table: OutboxTable,
  message: SagaMessage,
): Promise<void> {
  await client.query(
    `INSERT INTO ${table}
       (message_id, topic, message_key, message_type, correlation_id, traceparent, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      message.messageId,
      message.topic,
      message.key,
      message.type,
      message.correlationId,
      message.traceparent ?? null,
      JSON.stringify(message.payload),
    ],
  );
}

interface OutboxRow {
  id: string;
  message_id: string;
  topic: string;
  message_key: string;
  message_type: string;
  correlation_id: string;
  traceparent: string | null;
  payload: Record<string, unknown>;
}

export interface OutboxRelayOptions {
  readonly pollIntervalMs?: number;
  /** Receives failures to publish; the rows stay and are published on a later poll. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Publishes an outbox table in id order and stamps each row published in the transaction that
 * holds its lock. A crash between publishing and the commit publishes the rows again; consumers
 * recognise the repeated message ids. Run one relay per outbox table so the order holds.
 */
export class OutboxRelay {
  readonly #pool: pg.Pool;
  readonly #table: OutboxTable;
  readonly #transport: SagaTransport;
  readonly #pollIntervalMs: number;
  readonly #onError: (error: unknown) => void;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(
    pool: pg.Pool,
    table: OutboxTable,
    transport: SagaTransport,
    options: OutboxRelayOptions = {},
  ) {
    this.#pool = pool;
    this.#table = table;
    this.#transport = transport;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#onError = options.onError ?? (() => undefined);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        let published = 0;
        try {
          published = await this.publishPending();
        } catch (error) {
          this.#onError(error);
        }
        if (published === 0 && this.#running) await sleep(this.#pollIntervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** Publishes one batch of unpublished rows; returns how many. */
  async publishPending(): Promise<number> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, message_id, topic, message_key, message_type, correlation_id, traceparent, payload
           FROM ${this.#table} WHERE published_at IS NULL ORDER BY id LIMIT 100
           FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length > 0) {
        // The embedded queue writes through this client, so its rows commit with the stamps.
        await this.#transport.publish(rows.map(toMessage), { client });
        await client.query(`UPDATE ${this.#table} SET published_at = now() WHERE id = ANY($1)`, [
          rows.map((row) => row.id),
        ]);
      }
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

function toMessage(row: OutboxRow): SagaMessage {
  return {
    messageId: row.message_id,
    topic: row.topic,
    key: row.message_key,
    type: row.message_type,
    correlationId: row.correlation_id,
    ...(row.traceparent === null ? {} : { traceparent: row.traceparent }),
    payload: row.payload,
  };
}
