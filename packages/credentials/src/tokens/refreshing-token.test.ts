import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { CredentialError } from '../errors.js';
import { RefreshingToken } from './refreshing-token.js';

const lifetimeMs = 900_000;
const refreshBeforeExpiryMs = 300_000;

/** Creates a signer that numbers its tokens and fails while `failing` is set. */
function countingSigner() {
  const state = { calls: [] as number[], failing: false };
  const sign = () => {
    state.calls.push(Date.now());
    if (state.failing) return Promise.reject(new Error('no credentials in the environment'));
    return Promise.resolve(`token-${state.calls.length}`);
  };
  return { state, sign };
}

describe('RefreshingToken', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs once and reuses the token while it is fresh', async () => {
    const { state, sign } = countingSigner();
    const token = new RefreshingToken({
      name: 'test token',
      sign,
      lifetimeMs,
      refreshBeforeExpiryMs,
    });

    expect(await token.current()).toBe('token-1');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await token.current()).toBe('token-1');
    expect(state.calls).toHaveLength(1);
    token.stop();
  });

  it('signs a new token before the current one expires', async () => {
    const { state, sign } = countingSigner();
    const token = new RefreshingToken({
      name: 'test token',
      sign,
      lifetimeMs,
      refreshBeforeExpiryMs,
    });
    const refreshed: string[] = [];
    token.onRefresh((value) => refreshed.push(value));
    await token.current();

    await vi.advanceTimersByTimeAsync(lifetimeMs - refreshBeforeExpiryMs - 1);
    expect(state.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.calls).toHaveLength(2);
    expect(refreshed).toEqual(['token-1', 'token-2']);
    expect(await token.current()).toBe('token-2');
    expect(token.expiresAtMs).toBe(Date.now() + lifetimeMs);
    token.stop();
  });

  it('reports a signing failure with its cause', async () => {
    const { state, sign } = countingSigner();
    state.failing = true;
    const token = new RefreshingToken({
      name: 'test token',
      sign,
      lifetimeMs,
      refreshBeforeExpiryMs,
    });

    const error = await token.current().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).code).toBe('TOKEN_SIGNING_FAILED');
    expect((error as CredentialError).message).toContain('signing the test token failed');
    expect((error as CredentialError).message).toContain('no credentials in the environment');
    expect((error as CredentialError).message).toContain('retrying in 1000 ms');
    token.stop();
  });

  it('retries with exponential backoff up to the maximum', async () => {
    const { state, sign } = countingSigner();
    state.failing = true;
    const token = new RefreshingToken({
      name: 'test token',
      sign,
      lifetimeMs,
      refreshBeforeExpiryMs,
      retryInitialDelayMs: 1000,
      retryMaxDelayMs: 8000,
    });
    const start = Date.now();
    await token.current().catch(() => undefined);

    await vi.advanceTimersByTimeAsync(40_000);
    const delays = state.calls.map((time, i) => time - (state.calls[i - 1] ?? start));
    expect(delays.slice(0, 6)).toEqual([0, 1000, 2000, 4000, 8000, 8000]);
    token.stop();
  });

  it('fails fast until the retry is due', async () => {
    const { state, sign } = countingSigner();
    state.failing = true;
    const token = new RefreshingToken({
      name: 'test token',
      sign,
      lifetimeMs,
      refreshBeforeExpiryMs,
    });
    await token.current().catch(() => undefined);

    await expect(token.current()).rejects.toThrow('retrying in 1000 ms');
    await expect(token.current()).rejects.toThrow('retrying in 1000 ms');
    expect(state.calls).toHaveLength(1);
    token.stop();
  });

  it('recovers when signing works again', async () => {
    const { state, sign } = countingSigner();
    state.failing = true;
    const token = new RefreshingToken({
      name: 'test token',
      sign,
      lifetimeMs,
      refreshBeforeExpiryMs,
    });
    await token.current().catch(() => undefined);

    state.failing = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(await token.current()).toBe('token-2');
    token.stop();
  });

  it('keeps the valid token while a background refresh fails', async () => {
    const { state, sign } = countingSigner();
    const token = new RefreshingToken({
      name: 'test token',
      sign,
      lifetimeMs,
      refreshBeforeExpiryMs,
    });
    await token.current();

    state.failing = true;
    await vi.advanceTimersByTimeAsync(lifetimeMs - refreshBeforeExpiryMs);
    expect(state.calls).toHaveLength(2);
    expect(await token.current()).toBe('token-1');
    token.stop();
  });

  it('never hands out a token about to expire', async () => {
    const { state, sign } = countingSigner();
    const token = new RefreshingToken({
      name: 'test token',
      sign,
      lifetimeMs,
      refreshBeforeExpiryMs,
      minimumRemainingMs: 30_000,
    });
    await token.current();
    token.stop();

    // Without the background refresh, the token ages until 30 s before its expiry.
    vi.setSystemTime(Date.now() + lifetimeMs - 30_000);
    expect(await token.current()).toBe('token-2');
    expect(state.calls).toHaveLength(2);
  });

  it('rejects a refresh margin as long as the lifetime', () => {
    const { sign } = countingSigner();
    expect(
      () => new RefreshingToken({ name: 't', sign, lifetimeMs: 1000, refreshBeforeExpiryMs: 1000 }),
    ).toThrow(RangeError);
  });
});
