/**
 * Runs at most one load per key at a time in this process: callers that ask for a key while its
 * load runs share that load's promise, so a burst of cache misses makes one query.
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  run(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) return running;

    const started = load().finally(() => {
      // A newer load may have replaced this one after forget(); leave that one in place.
      if (this.#inFlight.get(key) === started) this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, started);
    return started;
  }

  /** Makes later callers start a new load, because the one in flight may read stale data. */
  forget(key: string): void {
    this.#inFlight.delete(key);
  }
}
