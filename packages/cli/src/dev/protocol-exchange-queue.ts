import type { PGlite } from '@electric-sql/pglite';

/** Backend message type of ReadyForQuery, whose one-byte body is the transaction status. */
const readyForQuery = 0x5a;
/** Transaction status `I`: idle, outside any transaction block. */
const idle = 0x49;

interface Waiter {
  readonly handlerId: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Gives PGlite's single backend to one connection at a time for a whole protocol exchange: from
 * the connection's first message until the backend reports ReadyForQuery with status idle. An
 * extended-protocol query (Parse, Bind, Execute, Sync) and an explicit transaction therefore
 * never interleave with another connection's messages, which would otherwise bind to the other
 * connection's unnamed statement or run inside its transaction.
 *
 * It takes the place of pglite-socket's own queue, which keeps only explicit transactions
 * together, through the `queryQueue` option of `PGLiteSocketHandler`.
 *
 * NOTE: under heavy parallel test load the entry-search test has twice lost its connection to
 * an embedded database served this way, with no error raised here. The cause is not found.
 */
export class ProtocolExchangeQueue {
  readonly #db: PGlite;
  #owner: number | undefined;
  #waiters: Waiter[] = [];
  /** The last message of each connection, which the connection's next message waits for. */
  readonly #latest = new Map<number, Promise<unknown>>();
  /** Connections that closed; their messages still queued are dropped. */
  readonly #closed = new Set<number>();

  constructor(db: PGlite) {
    this.#db = db;
  }

  /**
   * Runs one frontend message once the connection has its turn; resolves with the bytes sent.
   * A connection's messages run in the order they are enqueued. pglite-socket may enqueue the
   * next message of a connection before the previous one has run, when a second chunk of its
   * data arrives meanwhile.
   */
  async enqueue(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    const previous = this.#latest.get(handlerId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.#run(handlerId, message, onData));
    this.#latest.set(handlerId, run);
    try {
      return await run;
    } finally {
      if (this.#latest.get(handlerId) === run) this.#latest.delete(handlerId);
    }
  }

  async #run(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    if (this.#closed.has(handlerId)) throw new Error('connection closed');
    await this.#turn(handlerId);
    const output: Uint8Array[] = [];
    try {
      await this.#db.runExclusive(() =>
        this.#db.execProtocolRawStream(message, {
          onRawData: (data) => {
            output.push(data);
            onData(data);
          },
        }),
      );
    } catch (error) {
      this.#release(handlerId);
      throw error;
    }
    if (lastReadyStatus(Buffer.concat(output)) === idle) this.#release(handlerId);
    return output.reduce((total, chunk) => total + chunk.length, 0);
  }

  getQueueLength(): number {
    return this.#waiters.length;
  }

  /** Drops the waiting messages of a connection that closed. */
  clearQueueForHandler(handlerId: number): void {
    this.#closed.add(handlerId);
    const dropped = this.#waiters.filter((waiter) => waiter.handlerId === handlerId);
    this.#waiters = this.#waiters.filter((waiter) => waiter.handlerId !== handlerId);
    for (const waiter of dropped) waiter.reject(new Error('connection closed'));
  }

  /** Rolls back the open transaction of a connection that closed, and passes the turn on. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.#owner !== handlerId) return;
    try {
      if (this.#db.isInTransaction()) await this.#db.exec('ROLLBACK');
    } finally {
      this.#release(handlerId);
    }
  }

  async #turn(handlerId: number): Promise<void> {
    if (this.#owner === undefined || this.#owner === handlerId) {
      this.#owner = handlerId;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      this.#waiters.push({ handlerId, resolve, reject });
    });
  }

  #release(handlerId: number): void {
    if (this.#owner !== handlerId) return;
    const next = this.#waiters.shift();
    this.#owner = next?.handlerId;
    next?.resolve();
  }
}

/** Returns the status byte of the last ReadyForQuery in `output`, or undefined when none. */
function lastReadyStatus(output: Buffer): number | undefined {
  let status: number | undefined;
  let offset = 0;
  // Each backend message is a type byte and a 4-byte length that counts itself and its body.
  while (offset + 5 <= output.length) {
    const type = output[offset];
    const length = output.readInt32BE(offset + 1);
    if (type === readyForQuery && length === 5) status = output[offset + 5];
    offset += 1 + length;
  }
  return status;
}
