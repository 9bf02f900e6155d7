import type { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';

import { ProtocolExchangeQueue } from './protocol-exchange-queue.js';

/** ReadyForQuery with transaction status idle: type `Z`, length 5, status `I`. */
const readyIdle = Uint8Array.from([0x5a, 0, 0, 0, 5, 0x49]);

/**
 * A stand-in for PGlite's protocol entry point that records the order of the messages it runs
 * and replies to a Sync (`S`) with ReadyForQuery, idle, as the backend does.
 */
function recordingBackend() {
  const executed: string[] = [];
  const backend = {
    runExclusive: <T>(work: () => Promise<T>) => work(),
    execProtocolRawStream: (
      message: Uint8Array,
      options: { onRawData: (data: Uint8Array) => void },
    ) => {
      const text = new TextDecoder().decode(message);
      executed.push(text);
      if (text.endsWith(':S')) options.onRawData(readyIdle);
      if (text.endsWith(':rows-then-S')) {
        // Row bytes whose length field is not valid framing, then ReadyForQuery in two chunks.
        options.onRawData(Uint8Array.from([0x44, 0x80, 0x00, 0x00, 0x00, 0x01]));
        options.onRawData(readyIdle.subarray(0, 2));
        options.onRawData(readyIdle.subarray(2));
      }
      return Promise.resolve();
    },
    isInTransaction: () => false,
    exec: () => Promise.resolve([]),
  };
  return { executed, db: backend as unknown as PGlite };
}

const message = (text: string) => new TextEncoder().encode(text);
const ignore = () => undefined;

describe('ProtocolExchangeQueue', () => {
  it('runs another connection only after the exchange ends idle', async () => {
    const { executed, db } = recordingBackend();
    const queue = new ProtocolExchangeQueue(db);

    const parse = queue.enqueue(1, message('a:P'), ignore);
    const other = queue.enqueue(2, message('b:Q:S'), ignore);
    await parse;
    const sync = queue.enqueue(1, message('a:S'), ignore);
    await Promise.all([other, sync]);

    expect(executed).toEqual(['a:P', 'a:S', 'b:Q:S']);
  });

  it('finds ReadyForQuery split across chunks', async () => {
    const { executed, db } = recordingBackend();
    const queue = new ProtocolExchangeQueue(db);

    await queue.enqueue(1, message('a:rows-then-S'), ignore);
    await queue.enqueue(2, message('b:Q:S'), ignore);

    expect(executed).toEqual(['a:rows-then-S', 'b:Q:S']);
  });

  it('keeps the order of messages a waiting connection enqueued back to back', async () => {
    const { executed, db } = recordingBackend();
    const queue = new ProtocolExchangeQueue(db);

    const owner = queue.enqueue(2, message('b:P'), ignore);
    await owner;
    // Connection 1 waits for connection 2 with two messages queued; the second must not overtake.
    const first = queue.enqueue(1, message('a:P'), ignore);
    const second = queue.enqueue(1, message('a:B'), ignore);
    await queue.enqueue(2, message('b:S'), ignore);
    await first;
    const third = queue.enqueue(1, message('a:S'), ignore);
    await Promise.all([second, third]);

    expect(executed).toEqual(['b:P', 'b:S', 'a:P', 'a:B', 'a:S']);
  });

  it('drops the queued messages of a closed connection and passes the turn on', async () => {
    const { executed, db } = recordingBackend();
    const queue = new ProtocolExchangeQueue(db);

    await queue.enqueue(1, message('a:P'), ignore);
    const waiting = queue.enqueue(2, message('b:Q:S'), ignore);
    const late = queue.enqueue(1, message('a:B'), ignore);
    queue.clearQueueForHandler(1);
    await queue.clearTransactionIfNeeded(1);

    await expect(late).rejects.toThrow('connection closed');
    await waiting;
    expect(executed).toEqual(['a:P', 'b:Q:S']);
  });
});
