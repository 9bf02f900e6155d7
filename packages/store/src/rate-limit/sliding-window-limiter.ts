import { randomUUID } from 'node:crypto';

import { systemClock, type Clock } from '../clock.js';
import type { KeyValueStore } from '../key-value-store.js';

/** A named budget: at most `limit` requests in any `windowMs` milliseconds. */
export interface RateLimitPolicy {
  /** Name sent in the RateLimit and RateLimit-Policy headers, such as `per-user`. */
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
}

/** The result of counting one request against a policy. */
export interface RateLimitDecision {
  readonly policy: RateLimitPolicy;
  readonly allowed: boolean;
  /** Requests still allowed in the current window. */
  readonly remaining: number;
  /**
   * Milliseconds until one more request is allowed when `allowed` is false, or until the oldest
   * counted request leaves the window when it is true.
   */
  readonly resetMs: number;
}

/**
 * Sliding-window rate limiter: a request is allowed when fewer than `limit` allowed requests of
 * the same key fall within the last `windowMs` milliseconds. Each request is one atomic store
 * operation (a Lua script on Redis), so concurrent requests on several replicas never overshoot.
 * Rejected requests are not counted, so capacity returns as old requests leave the window.
 */
export class SlidingWindowLimiter {
  readonly #store: KeyValueStore;
  readonly #clock: Clock;

  constructor(
    store: KeyValueStore,
    readonly policy: RateLimitPolicy,
    options: { readonly clock?: Clock } = {},
  ) {
    if (!Number.isInteger(policy.limit) || policy.limit < 1) {
      throw new RangeError(`rate limit ${policy.name}: limit must be a positive integer`);
    }
    if (!Number.isInteger(policy.windowMs) || policy.windowMs < 1) {
      throw new RangeError(`rate limit ${policy.name}: windowMs must be a positive integer`);
    }
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
  }

  /** Counts one request of `key` (a user or a client address) and decides whether it may pass. */
  async hit(key: string): Promise<RateLimitDecision> {
    const nowMs = this.#clock();
    const outcome = await this.#store.hitSlidingWindow(`rate:${this.policy.name}:${key}`, {
      nowMs,
      windowMs: this.policy.windowMs,
      limit: this.policy.limit,
      member: `${nowMs}:${randomUUID()}`,
    });
    return {
      policy: this.policy,
      allowed: outcome.allowed,
      remaining: Math.max(0, this.policy.limit - outcome.count),
      resetMs: outcome.oldestExpiresInMs,
    };
  }
}
