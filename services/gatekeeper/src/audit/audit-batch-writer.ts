import type pg from 'pg';

import { outsideCallScope, startDatabaseTimer } from '../grpc/call-scope.js';
import type { AuditEventInput } from './audit-log.js';
import { logAuditEvent, type ChainedAuditEvent } from './audit-stream.js';

/** Options of {@link AuditBatchWriter}. */
export interface AuditBatchWriterOptions {
  /** Maximum number of events that one statement writes. Default 256. */
  readonly maxBatchSize?: number;
  /** Receives the size of each batch that committed, for a histogram. */
  readonly onBatchCommitted?: (size: number) => void;
}

interface PendingEvent {
  readonly event: AuditEventInput;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const defaultMaxBatchSize = 256;

/**
 * Group commit for the audit events of reads, which change nothing and so have
 * no transaction of their own to join. Each caller waits until its event has
 * committed, so no data leaves before its read is on record. A failed write
 * fails the calls whose events it contained.
 *
 * One batch is in flight at a time. The events that arrive meanwhile form the
 * next batch, which one INSERT appends in a single implicit transaction, so
 * concurrent reads take the audit chain's head lock once per batch instead of
 * once per event.
 */
export class AuditBatchWriter {
  readonly #pool: pg.Pool;
  readonly #maxBatchSize: number;
  readonly #onBatchCommitted: ((size: number) => void) | undefined;
  #queue: PendingEvent[] = [];
  #writing = false;

  constructor(pool: pg.Pool, options: AuditBatchWriterOptions = {}) {
    this.#pool = pool;
    this.#maxBatchSize = options.maxBatchSize ?? defaultMaxBatchSize;
    this.#onBatchCommitted = options.onBatchCommitted;
    if (!Number.isInteger(this.#maxBatchSize) || this.#maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${this.#maxBatchSize}`);
    }
  }

  /** Resolves once `event` has committed; rejects with the database error when it cannot. */
  append(event: AuditEventInput): Promise<void> {
    const stopTimer = startDatabaseTimer();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ event, resolve, reject });
      // The batch is shared, so its own connection is charged to no call; each call is charged
      // its wait instead.
      if (!this.#writing) void outsideCallScope(() => this.#drain());
    }).finally(stopTimer);
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatchSize);
        await this.#write(batch);
      }
    } finally {
      this.#writing = false;
    }
  }

  async #write(batch: PendingEvent[]): Promise<void> {
    try {
      const stored = await insertEvents(
        this.#pool,
        batch.map((pending) => pending.event),
      );
      this.#onBatchCommitted?.(batch.length);
      for (const event of stored) logAuditEvent(event);
      for (const pending of batch) pending.resolve();
    } catch (error) {
      if (batch.length > 1 && isDataError(error)) {
        // An event that the database rejects must not fail the other calls, so each event is
        // written alone and only the calls whose own event fails get the error.
        for (const pending of batch) await this.#write([pending]);
        return;
      }
      for (const pending of batch) pending.reject(error);
    }
  }
}

/** True for SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation). */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

async function insertEvents(
  pool: pg.Pool,
  events: readonly AuditEventInput[],
): Promise<ChainedAuditEvent[]> {
  // The chain trigger runs once per row, in the order of the arrays.
  const result = await pool.query<ChainedAuditEvent>(
    `INSERT INTO audit.events (actor_id, actor_subject, action, target_type, target_id, request_id)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
     RETURNING seq::text AS seq, id, action, actor_id, actor_subject, target_type, target_id,
               request_id, encode(hash, 'hex') AS hash`,
    [
      events.map((event) => event.actorId ?? null),
      events.map((event) => event.actorSubject),
      events.map((event) => event.action),
      events.map((event) => event.targetType),
      events.map((event) => event.targetId),
      events.map((event) => event.requestId),
    ],
  );
  return result.rows;
}
