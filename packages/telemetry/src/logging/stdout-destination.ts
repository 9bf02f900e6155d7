import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

import type { DestinationStream } from 'pino';

/**
 * Characters of log lines buffered before one write to stdout. Under load this turns one write
 * system call per line into one per several lines.
 */
export const stdoutBufferLength = 4096;
/** Maximum time, in ms, that a line waits in the buffer while the process is idle. */
export const stdoutFlushIntervalMs = 100;
/** Wait, in ms, before writing again to a full pipe (EAGAIN). */
const fullPipeRetryMs = 1;
/**
 * Characters and bytes held back while the reader lags, beyond which writes wait for the reader
 * (back-pressure) instead of holding more in memory.
 */
export const maxBacklogLength = 16 * 1024 * 1024;

/**
 * A pino destination that buffers lines and writes them to a file descriptor with direct
 * `write` system calls on the main thread, so lines stay in order and no write is ever in
 * progress in the background.
 *
 * On a non-blocking descriptor (stdout as a pipe or socket, which Node.js makes non-blocking)
 * a full pipe (EAGAIN) does not stall the process: the lines stay buffered and are retried
 * after {@link fullPipeRetryMs}, until {@link maxBacklogLength} is buffered. {@link flushSync}
 * waits until everything is written, so exit and termination signals lose nothing.
 *
 * pino's asynchronous destination (sonic-boom 4 with `sync: false`) is not used here. On exit
 * its `flushSync()` skips a chunk whose write waits for a retry after EAGAIN. That happens
 * whenever the reader of a pipe lags, and those lines are then lost. Its synchronous mode
 * sleeps 100 ms after each EAGAIN, which would stall requests for that long.
 */
export class BufferedFileDestination implements DestinationStream {
  readonly #fd: number;
  /** Lines not yet converted to bytes. */
  #pending = '';
  /** Bytes that the descriptor has not accepted yet. */
  #unwritten: Buffer = Buffer.alloc(0);
  #retry: NodeJS.Timeout | undefined;
  #broken = false;

  constructor(fd: number) {
    this.#fd = fd;
  }

  write(line: string): void {
    this.#pending += line;
    if (this.#pending.length < stdoutBufferLength) return;
    // While a retry is scheduled the pipe was full a moment ago, so skip the system call.
    const backlog = this.#pending.length + this.#unwritten.length;
    if (this.#retry === undefined || backlog > maxBacklogLength) this.flushAvailable();
  }

  /** Writes what the descriptor accepts now, and retries the rest soon, without waiting. */
  flushAvailable(): void {
    if (this.#writeAccepted()) return;
    if (this.#pending.length + this.#unwritten.length > maxBacklogLength) {
      this.flushSync();
      return;
    }
    this.#retry ??= setTimeout(() => {
      this.#retry = undefined;
      this.flushAvailable();
    }, fullPipeRetryMs).unref();
  }

  /** pino's `logger.flush(callback)`: calls back once every buffered line is written. */
  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  /** Writes every buffered line, waiting for a full pipe to drain. After EPIPE lines are dropped. */
  flushSync(): void {
    while (!this.#writeAccepted()) Atomics.wait(retryWaitCell, 0, 0, fullPipeRetryMs);
  }

  /** Writes until everything is written (true) or the descriptor is full (false, EAGAIN). */
  #writeAccepted(): boolean {
    for (;;) {
      if (this.#unwritten.length === 0) {
        if (this.#pending === '') return true;
        this.#unwritten = Buffer.from(this.#pending, 'utf8');
        this.#pending = '';
      }
      if (this.#broken) {
        this.#unwritten = Buffer.alloc(0);
        continue;
      }
      try {
        const written = writeSync(this.#fd, this.#unwritten);
        this.#unwritten = this.#unwritten.subarray(written);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') return false;
        // EPIPE: the reader is gone, so later lines have nowhere to go.
        if (code !== 'EPIPE') throw error;
        this.#broken = true;
      }
    }
  }
}

const retryWaitCell = new Int32Array(new SharedArrayBuffer(4));

let shared: BufferedFileDestination | undefined;

/**
 * Returns the one buffered stdout destination of this process, creating it on first use. Every
 * logger writing JSON to stdout shares it, so lines of two loggers never interleave.
 *
 * Buffered lines are written:
 * - once {@link stdoutBufferLength} characters are buffered, or after {@link stdoutFlushIntervalMs};
 * - on `exit`, so `process.exit()` after a shutdown or a fatal error, and an uncaught exception,
 *   lose nothing;
 * - on SIGTERM and SIGINT (see {@link flushOnTerminationSignals}).
 *
 * Lines still buffered when the process is killed with SIGKILL or crashes in native code are
 * lost: at most {@link stdoutFlushIntervalMs} or {@link stdoutBufferLength} worth of lines.
 */
export function sharedStdoutDestination(): BufferedFileDestination {
  if (shared !== undefined) return shared;
  const destination = new BufferedFileDestination(1);
  setInterval(() => destination.flushAvailable(), stdoutFlushIntervalMs).unref();
  process.on('exit', () => destination.flushSync());
  if (isMainThread) flushOnTerminationSignals(destination);
  shared = destination;
  return destination;
}

const terminationSignals = ['SIGTERM', 'SIGINT'] as const;

/**
 * Writes the buffered lines when SIGTERM or SIGINT arrives. When the service has a handler of
 * its own for the signal, that handler decides what happens next (the services log, close and
 * call `process.exit()`). When this is the only listener, it removes itself and raises the
 * signal again, so the process still ends the way it would without a listener.
 */
function flushOnTerminationSignals(destination: BufferedFileDestination): void {
  for (const signal of terminationSignals) {
    const onSignal = () => {
      destination.flushSync();
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
