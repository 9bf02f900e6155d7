import { Redis, type RedisOptions } from 'ioredis';

import {
  StoreUnavailableError,
  type KeyValueStore,
  type SlidingWindowHit,
  type SlidingWindowOutcome,
} from './key-value-store.js';
import {
  deleteIfEqualScript,
  raiseToScript,
  setIfGuardScript,
  slidingWindowScript,
} from './redis-scripts.js';
import { silentLogger, type StoreLogger } from './store-logger.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL, for example `redis://127.0.0.1:6379`. */
  readonly url: string;
  /** Prefix of every key, so several deployments or test runs can share one Redis. */
  readonly keyPrefix?: string;
  /** Time limit of one command, in milliseconds. Default 1000. */
  readonly commandTimeoutMs?: number;
  readonly logger?: StoreLogger;
  /**
   * Connection options (address, TLS, user name and password) used instead of `url`, and a hook
   * that keeps the client authenticated, such as ElastiCache IAM token renewal.
   */
  readonly connection?: {
    readonly options: RedisOptions;
    readonly attach: (client: Redis) => void;
  };
}

/** The scripts, registered with `defineCommand`, which runs them by SHA and reloads them. */
interface ScriptCommands {
  palisadeDeleteIfEqual(key: string, expected: string): Promise<number>;
  palisadeSetIfGuard(
    key: string,
    guardKey: string,
    value: string,
    ttlMs: number,
    guardPresent: '0' | '1',
    expectedGuard: string,
  ): Promise<number>;
  palisadeRaiseTo(key: string, value: number, ttlMs: number): Promise<string>;
  palisadeSlidingWindow(
    key: string,
    nowMs: number,
    windowMs: number,
    limit: number,
    member: string,
  ): Promise<[number, number, number]>;
}

/**
 * The key-value store on a Redis server (ioredis). Commands fail at once while the connection is
 * down instead of queueing, and each has a time limit, so a request never hangs on Redis. The
 * client keeps reconnecting in the background and logs each outage once.
 */
export class RedisStore implements KeyValueStore {
  readonly #redis: Redis;
  readonly #scripts: ScriptCommands;
  readonly #prefix: string;
  #closing = false;

  constructor(options: RedisStoreOptions) {
    const logger = options.logger ?? silentLogger;
    this.#prefix = options.keyPrefix ?? '';
    const clientOptions: RedisOptions = {
      enableOfflineQueue: false,
      // No auto-pipelining. It builds a Pipeline per event-loop turn with a copy of every script
      // command, and most turns had one command. In a heap profile those objects were 14 KB of
      // the 50 KB per web request that lived long enough to be promoted.
      enableAutoPipelining: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: 2000,
      // Reconnects forever, at most every 2 s, so Redis coming back ends an outage by itself.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    };
    this.#redis =
      options.connection === undefined
        ? new Redis(options.url, clientOptions)
        : new Redis({ ...options.connection.options, ...clientOptions });
    options.connection?.attach(this.#redis);
    this.#redis.defineCommand('palisadeDeleteIfEqual', {
      numberOfKeys: 1,
      lua: deleteIfEqualScript,
    });
    this.#redis.defineCommand('palisadeSetIfGuard', { numberOfKeys: 2, lua: setIfGuardScript });
    this.#redis.defineCommand('palisadeRaiseTo', { numberOfKeys: 1, lua: raiseToScript });
    this.#redis.defineCommand('palisadeSlidingWindow', {
      numberOfKeys: 1,
      lua: slidingWindowScript,
    });
    this.#scripts = this.#redis as unknown as ScriptCommands;
    watchConnection(this.#redis, logger, () => this.#closing);
  }

  /** Resolves once connected, or after `timeoutMs`; never rejects, because the caller may start without Redis. */
  waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.#redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#redis.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#redis.once('ready', onReady);
    });
  }

  get(key: string): Promise<string | undefined> {
    return this.#run('GET', async () => (await this.#redis.get(this.#key(key))) ?? undefined);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.#run('SET', async () => {
      await this.#redis.set(this.#key(key), value, 'PX', ttlMs);
    });
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.#run('SET NX', async () => {
      const result = await this.#redis.set(this.#key(key), value, 'PX', ttlMs, 'NX');
      return result === 'OK';
    });
  }

  take(key: string): Promise<string | undefined> {
    return this.#run('GETDEL', async () => (await this.#redis.getdel(this.#key(key))) ?? undefined);
  }

  delete(key: string): Promise<void> {
    return this.#run('DEL', async () => {
      await this.#redis.del(this.#key(key));
    });
  }

  deleteIfEqual(key: string, expected: string): Promise<boolean> {
    return this.#run('delete-if-equal script', async () => {
      return (await this.#scripts.palisadeDeleteIfEqual(this.#key(key), expected)) === 1;
    });
  }

  setIfGuard(
    key: string,
    value: string,
    ttlMs: number,
    guardKey: string,
    expectedGuard: string | undefined,
  ): Promise<boolean> {
    return this.#run('set-if-guard script', async () => {
      const stored = await this.#scripts.palisadeSetIfGuard(
        this.#key(key),
        this.#key(guardKey),
        value,
        ttlMs,
        expectedGuard === undefined ? '0' : '1',
        expectedGuard ?? '',
      );
      return stored === 1;
    });
  }

  raiseTo(key: string, value: number, ttlMs: number): Promise<number> {
    return this.#run('raise-to script', async () => {
      return Number(await this.#scripts.palisadeRaiseTo(this.#key(key), value, ttlMs));
    });
  }

  hitSlidingWindow(key: string, hit: SlidingWindowHit): Promise<SlidingWindowOutcome> {
    return this.#run('sliding-window script', async () => {
      const [allowed, count, oldestExpiresInMs] = await this.#scripts.palisadeSlidingWindow(
        this.#key(key),
        hit.nowMs,
        hit.windowMs,
        hit.limit,
        hit.member,
      );
      return { allowed: allowed === 1, count, oldestExpiresInMs };
    });
  }

  ping(): Promise<void> {
    return this.#run('PING', async () => {
      await this.#redis.ping();
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    // quit() waits for pending replies but fails while disconnected; disconnect() never does.
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #key(key: string): string {
    return `${this.#prefix}${key}`;
  }

  async #run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new StoreUnavailableError(operation, { cause: error });
    }
  }
}

/** Logs the start of each outage once, and the reconnection that ends it. */
function watchConnection(redis: Redis, logger: StoreLogger, isClosing: () => boolean): void {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.error({ err: error }, 'redis connection failed');
  });
  redis.on('close', () => {
    if (down || isClosing()) return;
    down = true;
    logger.error({}, 'redis connection lost');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({}, 'redis connection restored');
  });
}
