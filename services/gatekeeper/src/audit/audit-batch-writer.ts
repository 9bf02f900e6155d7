import { context, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import type pg from 'pg';

import { GatekeeperError } from '../errors.js';
import { outsideCallScope, startDatabaseTimer } from '../grpc/call-scope.js';
import type { AuditEventInput } from './audit-log.js';
import { logAuditEvent, type ChainedAuditEvent } from './audit-stream.js';

/** Options of {@link AuditBatchWriter}. */
export interface AuditBatchWriterOptions {
  /** Maximum number of events that one statement writes. Default 256. */
  readonly maxBatchSize?: number;
  /**
   * Time in milliseconds after which a batch fails and its connection is closed, also when the
   * server never responds. Default 5000.
   */
  readonly queryTimeoutMs?: number;
  /**
   * Maximum number of events waiting for a batch. More fail at once as UNAVAILABLE.
   * Default 10,000.
   */
  readonly maxQueuedEvents?: number;
  /** Receives the size of each batch that committed, for a histogram. */
  readonly onBatchCommitted?: (size: number) => void;
}

interface PendingEvent {
  readonly event: AuditEventInput;
  /** Trace context of the call, so that the event's log line carries the call's trace. */
  readonly context: Context;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const defaultMaxBatchSize = 256;
const defaultQueryTimeoutMs = 5000;
const defaultMaxQueuedEvents = 10_000;

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
  readonly #queryTimeoutMs: number;
  readonly #maxQueuedEvents: number;
  readonly #onBatchCommitted: ((size: number) => void) | undefined;
  #queue: PendingEvent[] = [];
  #writing = false;

  constructor(pool: pg.Pool, options: AuditBatchWriterOptions = {}) {
    this.#pool = pool;
    this.#maxBatchSize = positiveInteger('maxBatchSize', options.maxBatchSize, defaultMaxBatchSize);
    this.#queryTimeoutMs = positiveInteger(
      'queryTimeoutMs',
      options.queryTimeoutMs,
      defaultQueryTimeoutMs,
    );
    this.#maxQueuedEvents = positiveInteger(
      'maxQueuedEvents',
      options.maxQueuedEvents,
      defaultMaxQueuedEvents,
    );
    this.#onBatchCommitted = options.onBatchCommitted;
  }

  /** Resolves once `event` has committed, and rejects with the database error when it cannot. */
  append(event: AuditEventInput): Promise<void> {
    if (this.#queue.length >= this.#maxQueuedEvents) {
      return Promise.reject(
        new GatekeeperError('UNAVAILABLE', 'the audit trail is not keeping up, retry later'),
      );
    }
    const stopTimer = startDatabaseTimer();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ event, context: context.active(), resolve, reject });
      if (!this.#writing) this.#startDraining();
    }).finally(stopTimer);
  }

  /**
   * Starts the loop that writes batches, outside the call and the trace that started it. A batch
   * carries other calls' events, so neither its time nor its spans belong to that call.
   */
  #startDraining(): void {
    context.with(ROOT_CONTEXT, () => outsideCallScope(() => void this.#drain()));
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
        this.#queryTimeoutMs,
      );
      this.#onBatchCommitted?.(batch.length);
      logInCallContexts(batch, stored);
      for (const pending of batch) pending.resolve();
    } catch (error) {
      if (batch.length > 1 && isDataError(error)) {
        // An event that the database rejects must not fail the other calls, so each event is
        // written alone and only the calls whose own event fails get the error.
        for (const pending of batch) await this.#write([pending]);
        return;
      }
      const failure = isReadTimeout(error)
        ? new GatekeeperError('UNAVAILABLE', 'the audit trail write timed out, retry later', {
            cause: error,
          })
        : error;
      for (const pending of batch) pending.reject(failure);
    }
  }
}

/**
 * Copies each stored event to the log stream in the trace context of the call that appended it.
 * The trigger numbers the rows in the order of the arrays, so sorting by `seq` restores it.
 */
function logInCallContexts(batch: readonly PendingEvent[], stored: ChainedAuditEvent[]): void {
  const inOrder = stored.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  inOrder.forEach((event, index) => {
    const callContext = batch[index]?.context ?? ROOT_CONTEXT;
    context.with(callContext, () => logAuditEvent(event));
  });
}

/** Returns true for SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation). */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** Returns true for the error of pg's `query_timeout`: the server did not respond in time. */
function isReadTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const checked = value ?? fallback;
  if (!Number.isInteger(checked) || checked < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${checked}`);
  }
  return checked;
}

async function insertEvents(
  pool: pg.Pool,
  events: readonly AuditEventInput[],
  queryTimeoutMs: number,
): Promise<ChainedAuditEvent[]> {
  // The chain trigger runs once per row, in the order of the arrays. pg-pool closes a connection
  // whose query failed, so a timed-out batch does not go back to the pool.
  // pg reads query_timeout from the query's config, although its type declarations omit it.
  const query: pg.QueryConfig & { query_timeout: number } = {
    query_timeout: queryTimeoutMs,
    text: `INSERT INTO audit.events (actor_id, actor_subject, action, target_type, target_id, request_id)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
     RETURNING seq::text AS seq, id, action, actor_id, actor_subject, target_type, target_id,
               request_id, encode(hash, 'hex') AS hash`,
    values: [
      events.map((event) => event.actorId ?? null),
      events.map((event) => event.actorSubject),
      events.map((event) => event.action),
      events.map((event) => event.targetType),
      events.map((event) => event.targetId),
      events.map((event) => event.requestId),
    ],
  };
  const result = await pool.query<ChainedAuditEvent>(query);
  return result.rows;
}
