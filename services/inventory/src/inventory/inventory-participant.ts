import { randomUUID } from 'node:crypto';

import type { KeyValueStore } from '@palisade/store';
import type pg from 'pg';

import { writeOutbox } from '../outbox/outbox.js';
import { messageTypes, type ItemQuantity, type SagaTopics } from '../saga/saga-messages.js';
import type { BackoffPolicy } from '../transport/backoff.js';
import { retryingHandler, type RetryLogger } from '../transport/retrying-handler.js';
import type { SagaMessage, SagaTransport, Subscription } from '../transport/transport.js';
import { inTransaction } from '../transaction.js';

/** How long Redis remembers an applied command; the database remembers it for good. */
const PROCESSED_TTL_MS = 24 * 60 * 60 * 1000;

/** The consumer group of the inventory service. */
export const INVENTORY_GROUP = 'palisade-inventory';

export interface InventoryParticipantOptions {
  readonly pool: pg.Pool;
  readonly transport: SagaTransport;
  readonly store: KeyValueStore;
  readonly topics: SagaTopics;
  /** Retries of a command whose handling fails, before it is dead-lettered. */
  readonly retry: BackoffPolicy;
  readonly logger: RetryLogger & { info(fields: object, message: string): void };
}

interface Reply {
  readonly type: string;
  readonly messageId: string;
  readonly payload: Record<string, unknown>;
}

/**
 * The inventory service's part in experiment sagas: applies reserve and release commands to the
 * `inventory` schema and sends each reply through its outbox. A command is applied at most once per
 * correlation id. Redis is checked first, and the `processed_commands` primary key stops a second
 * application that gets past it. A repeated command gets the reply of the first.
 */
export class InventoryParticipant {
  readonly #options: InventoryParticipantOptions;
  #subscription: Subscription | undefined;

  constructor(options: InventoryParticipantOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    if (this.#subscription !== undefined) return;
    const { transport, topics, retry, logger } = this.#options;
    this.#subscription = await transport.subscribe(
      topics.inventoryCommands,
      INVENTORY_GROUP,
      retryingHandler(transport, (message) => this.handle(message), retry, logger),
    );
  }

  async stop(): Promise<void> {
    await this.#subscription?.stop();
    this.#subscription = undefined;
  }

  /** Applies one command; exported for the behavioural tests. */
  async handle(command: SagaMessage): Promise<void> {
    const { store, pool, transport } = this.#options;
    const key = `inventory:command:${command.correlationId}`;
    // Without Redis the processed_commands primary key alone stops a repeat.
    const remembered = await store.get(key).catch((error: unknown) => {
      this.#options.logger.warn(
        { err: error, correlationId: command.correlationId },
        'processed-command lookup in Redis failed; relying on the database',
      );
      return undefined;
    });
    if (remembered !== undefined) {
      await transport.publish([this.#replyMessage(command, JSON.parse(remembered) as Reply)]);
      return;
    }

    const outcome = await inTransaction(pool, async (client) => {
      const previous = await client.query<{ reply: Reply }>(
        'SELECT reply FROM inventory.processed_commands WHERE correlation_id = $1',
        [command.correlationId],
      );
      const earlier = previous.rows[0];
      if (earlier !== undefined) return { reply: earlier.reply, repeated: true };

      const reply = await this.#apply(client, command);
      await client.query(
        `INSERT INTO inventory.processed_commands (correlation_id, reply_type, reply)
         VALUES ($1, $2, $3)`,
        [command.correlationId, reply.type, JSON.stringify(reply)],
      );
      await writeOutbox(client, 'inventory.outbox', this.#replyMessage(command, reply));
      return { reply, repeated: false };
    });

    // The first reply may have been lost, so a repeated command gets it again, same message id.
    if (outcome.repeated) await transport.publish([this.#replyMessage(command, outcome.reply)]);
    await store
      .set(key, JSON.stringify(outcome.reply), PROCESSED_TTL_MS)
      .catch((error: unknown) => {
        this.#options.logger.warn(
          { err: error, correlationId: command.correlationId },
          'storing the processed command in Redis failed',
        );
      });
  }

  async #apply(client: pg.PoolClient, command: SagaMessage): Promise<Reply> {
    const sagaId = String(command.payload['sagaId']);
    switch (command.type) {
      case messageTypes.reserveItems:
        return this.#reserve(client, sagaId, command.payload['items'] as ItemQuantity[]);
      case messageTypes.releaseItems:
        return this.#release(client, sagaId);
      default:
        throw new UnknownCommandError(command.type);
    }
  }

  async #reserve(client: pg.PoolClient, sagaId: string, items: ItemQuantity[]): Promise<Reply> {
    const released = await client.query(
      'SELECT 1 FROM inventory.released_sagas WHERE saga_id = $1',
      [sagaId],
    );
    if (released.rowCount !== 0) {
      return failed(sagaId, 'the saga was compensated before its reservation arrived');
    }

    // Reserve and release lock items in the same id order, so they cannot deadlock each other.
    const ordered = [...items].sort((a, b) => compareIds(a.itemId, b.itemId));
    await client.query('SAVEPOINT reserve');
    for (const item of ordered) {
      const decremented = await client.query<{ stock: number }>(
        `UPDATE inventory.items SET stock = stock - $2 WHERE id = $1 AND stock >= $2
         RETURNING stock`,
        [item.itemId, item.quantity],
      );
      if (decremented.rowCount === 0) {
        await client.query('ROLLBACK TO SAVEPOINT reserve');
        const known = await client.query('SELECT 1 FROM inventory.items WHERE id = $1', [
          item.itemId,
        ]);
        const reason =
          known.rowCount === 0
            ? `item ${item.itemId} does not exist`
            : `insufficient stock for item ${item.itemId}`;
        return failed(sagaId, reason, item.itemId);
      }
      await client.query(
        'INSERT INTO inventory.reservations (saga_id, item_id, quantity) VALUES ($1, $2, $3)',
        [sagaId, item.itemId, item.quantity],
      );
    }
    await client.query('RELEASE SAVEPOINT reserve');
    return {
      type: messageTypes.itemsReserved,
      messageId: randomUUID(),
      payload: { sagaId, items: ordered },
    };
  }

  async #release(client: pg.PoolClient, sagaId: string): Promise<Reply> {
    const { rows } = await client.query<{ item_id: string; quantity: number }>(
      'DELETE FROM inventory.reservations WHERE saga_id = $1 RETURNING item_id, quantity',
      [sagaId],
    );
    rows.sort((a, b) => compareIds(a.item_id, b.item_id));
    for (const row of rows) {
      await client.query('UPDATE inventory.items SET stock = stock + $2 WHERE id = $1', [
        row.item_id,
        row.quantity,
      ]);
    }
    await client.query(
      'INSERT INTO inventory.released_sagas (saga_id) VALUES ($1) ON CONFLICT DO NOTHING',
      [sagaId],
    );
    return {
      type: messageTypes.itemsReleased,
      messageId: randomUUID(),
      payload: { sagaId, releasedItems: rows.length },
    };
  }

  #replyMessage(command: SagaMessage, reply: Reply): SagaMessage {
    return {
      messageId: reply.messageId,
      topic: this.#options.topics.inventoryReplies,
      key: command.key,
      type: reply.type,
      correlationId: command.correlationId,
      ...(command.traceparent === undefined ? {} : { traceparent: command.traceparent }),
      payload: reply.payload,
    };
  }
}

// Code-point order, the same in every process.
function compareIds(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function failed(sagaId: string, reason: string, itemId?: string): Reply {
  return {
    type: messageTypes.transactionFailed,
    messageId: randomUUID(),
    payload: { sagaId, reason, ...(itemId === undefined ? {} : { itemId }) },
  };
}

/** A command of a type the inventory service does not know; it ends in the dead-letter topic. */
export class UnknownCommandError extends Error {
  readonly code = 'UNKNOWN_COMMAND';

  constructor(type: string) {
    super(`The inventory service has no command named ${type}; check the sender's message type`);
    this.name = 'UnknownCommandError';
  }
}
