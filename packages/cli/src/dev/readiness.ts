import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const pollIntervalMs = 100;

/** Resolves once `check` returns true; rejects with `what` in the message after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (await check().catch(() => false)) return;
    await sleep(pollIntervalMs);
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms`);
}

/** Tells whether something accepts TCP connections on host:port. */
export function acceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Tells whether `url` answers 200. */
export async function answersOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.ok;
}
