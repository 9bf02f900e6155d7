import type { ClientBase } from 'pg';

const pending = new WeakMap<ClientBase, (() => void)[]>();

/**
 * Runs `callback` once the transaction open on `client` commits, and never
 * when it rolls back. Only transactions run by `withTransaction` call it.
 */
export function afterCommit(client: ClientBase, callback: () => void): void {
  const callbacks = pending.get(client);
  if (callbacks === undefined) pending.set(client, [callback]);
  else callbacks.push(callback);
}

/** Runs, then drops, the callbacks of the transaction that just committed on `client`. */
export function runAfterCommit(client: ClientBase): void {
  const callbacks = pending.get(client) ?? [];
  pending.delete(client);
  for (const callback of callbacks) callback();
}

/** Forgets the callbacks of a transaction that rolled back or never committed. */
export function discardAfterCommit(client: ClientBase): void {
  pending.delete(client);
}
