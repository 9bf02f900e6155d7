import {
  IdempotencyKeyReusedError,
  IdempotencyRequestInProgressError,
  StoreUnavailableError,
  type IdempotencyReservations,
  type Replay,
  type Reservation,
} from '@palisade/store';
import type pg from 'pg';

import type { CallContext } from '../caller.js';
import { withTransaction } from '../db/pool.js';
import { GatekeeperError } from '../errors.js';
import {
  claimIdempotencyKey,
  recordIdempotentResponse,
  selectIdempotentResponse,
  type IdempotencyRecordKey,
} from './idempotency-records.js';
import { requestHash } from './request-hash.js';

/** Protobuf encoding of a response: the `encode` and `decode` that ts-proto generates. */
export interface ResponseCodec<Response> {
  encode(message: Response): { finish(): Uint8Array };
  decode(input: Uint8Array): Response;
}

/** One write: its method name, its request (hashed) and the encoding of its response. */
export interface WriteOperation<Response> {
  readonly method: string;
  readonly request: unknown;
  readonly codec: ResponseCodec<Response>;
}

/** Maximum wait for a duplicate in progress when the call has no deadline, in milliseconds. */
const DEFAULT_WAIT_MS = 10_000;

/**
 * Runs writes in a transaction, once per idempotency key. The key is reserved in the store
 * before the write. The write's own transaction also claims it in `app.idempotency_keys`, so a
 * lost store entry cannot double the write. A replay gets the first response from that record,
 * a duplicate in progress waits for it, and the same key with another request fails with
 * FAILED_PRECONDITION.
 */
export class IdempotentWrites {
  constructor(
    private readonly pool: pg.Pool,
    private readonly reservations: IdempotencyReservations,
  ) {}

  /** Runs `write` in a transaction, or returns the response of an earlier run with the same key. */
  async run<Response>(
    context: CallContext,
    operation: WriteOperation<Response>,
    write: (client: pg.PoolClient) => Promise<Response>,
  ): Promise<Response> {
    const key = context.idempotencyKey;
    if (key === undefined) return withTransaction(this.pool, write);

    const { caller } = context;
    const record = { issuer: caller.issuer, subject: caller.subject, key };
    const hash = requestHash(operation.method, operation.request);
    let reservation = await this.#reserve(context, record, hash);
    if (reservation?.kind === 'replay') {
      // The store marks the key done; the response itself lives only in the database record,
      // which DeleteUserData removes with the user's other data.
      const response = await selectIdempotentResponse(this.pool, record);
      if (response !== undefined) return operation.codec.decode(response);
      await this.reservations.forget(scopeOf(record), record.key);
      reservation = await this.#reserve(context, record, hash);
      if (reservation?.kind === 'replay') {
        throw new GatekeeperError('ABORTED', 'idempotency key changed meanwhile; retry the call');
      }
    }

    let encoded: Uint8Array;
    try {
      encoded = await withTransaction(this.pool, (client) =>
        this.#writeOnce(client, record, operation, hash, write),
      );
    } catch (error) {
      await reservation?.release().catch((releaseError: unknown) => {
        context.logger.warn({ err: releaseError }, 'idempotency reservation release failed');
      });
      throw error;
    }

    await reservation?.complete('').catch((error: unknown) => {
      // The database record still serves replays, so the write stays exactly-once.
      context.logger.warn({ err: error }, 'idempotency reservation completion failed');
    });
    return operation.codec.decode(encoded);
  }

  /** Reserves the key in the store; without the store, the database record alone guards it. */
  async #reserve(
    context: CallContext,
    record: IdempotencyRecordKey,
    hash: string,
  ): Promise<Reservation | Replay | undefined> {
    const scope = scopeOf(record);
    const waitUntil = context.deadline ?? new Date(Date.now() + DEFAULT_WAIT_MS);
    try {
      return await this.reservations.reserve(scope, record.key, hash, waitUntil);
    } catch (error) {
      if (error instanceof IdempotencyKeyReusedError) throw keyReused(error);
      if (error instanceof IdempotencyRequestInProgressError) {
        throw new GatekeeperError('ABORTED', error.message, { cause: error });
      }
      if (!(error instanceof StoreUnavailableError)) throw error;
      context.logger.warn({ err: error }, 'idempotency store unavailable; using the database only');
      return undefined;
    }
  }

  async #writeOnce<Response>(
    client: pg.PoolClient,
    record: IdempotencyRecordKey,
    operation: WriteOperation<Response>,
    hash: string,
    write: (client: pg.PoolClient) => Promise<Response>,
  ): Promise<Uint8Array> {
    const existing = await claimIdempotencyKey(client, record, operation.method, hash);
    if (existing !== undefined) {
      if (existing.requestHash !== hash) throw keyReused(new IdempotencyKeyReusedError());
      if (existing.response === null) {
        throw new Error('committed idempotency record has no response');
      }
      return existing.response;
    }

    const encoded = operation.codec.encode(await write(client)).finish();
    await recordIdempotentResponse(client, record, encoded);
    return encoded;
  }
}

function scopeOf(record: IdempotencyRecordKey): string {
  return `${record.issuer}|${record.subject}`;
}

function keyReused(error: IdempotencyKeyReusedError): GatekeeperError {
  return new GatekeeperError('FAILED_PRECONDITION', error.message, { cause: error });
}
