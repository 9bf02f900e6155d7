import { createHash, randomBytes } from 'node:crypto';

import type { KeyValueStore } from '@palisade/store';

/** Data of the login request that the callback needs to finish the flow. */
export interface LoginState {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Same-origin path to return to after login. */
  readonly returnTo: string;
}

/** A login must complete within this time, in milliseconds. */
export const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;

/**
 * Pending logins, keyed by a random id that only the browser's login cookie carries, so a
 * callback completes only in the browser that started the login. Each can be taken once, so a
 * replayed callback finds nothing.
 */
export class LoginStates {
  constructor(private readonly store: KeyValueStore) {}

  /** Stores a pending login and returns the id for the login cookie. */
  async begin(login: LoginState): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.store.set(loginKey(id), JSON.stringify(login), LOGIN_STATE_TTL_MS);
    return id;
  }

  /** Removes and returns the pending login, or undefined when it expired or was taken. */
  async take(id: string): Promise<LoginState | undefined> {
    const stored = await this.store.take(loginKey(id));
    return stored === undefined ? undefined : (JSON.parse(stored) as LoginState);
  }
}

function loginKey(id: string): string {
  return `login:${createHash('sha256').update(id).digest('base64url')}`;
}
