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
    if (finalReadyStatus(output) === idle) this.#release(handlerId);
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

/**
 * Returns the transaction status when `output` ends with ReadyForQuery, or undefined when it
 * does not. ReadyForQuery is always the last message of a response, so only its final 6 bytes
 * are read: type `Z`, length 5 and the status byte. Data rows are never parsed.
 */
function finalReadyStatus(output: readonly Uint8Array[]): number | undefined {
  const tail: Uint8Array[] = [];
  let length = 0;
  for (let index = output.length - 1; index >= 0 && length < 6; index -= 1) {
    const chunk = output[index];
    if (chunk === undefined) continue;
    tail.unshift(chunk);
    length += chunk.length;
  }
  const bytes = Buffer.concat(tail).subarray(-6);
  if (bytes.length < 6 || bytes[0] !== readyForQuery || bytes.readInt32BE(1) !== 5)
    return undefined;
  return bytes[5];
}
