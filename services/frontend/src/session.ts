import { useCallback, useEffect, useState } from 'react';

import { ApiError, apiRequest } from './api.js';

/** The signed-in user as `GET /api/auth/session` returns it. */
export interface Session {
  readonly subject: string;
  readonly roles: readonly string[];
}

export type SessionState =
  | { readonly status: 'loading' }
  | { readonly status: 'signed-out' }
  | { readonly status: 'signed-in'; readonly session: Session }
  | { readonly status: 'error'; readonly message: string };

/**
 * Key of a flag, not a credential, that records that this browser started a login. The session cookie
 * is HttpOnly, so without it every visitor who never signed in would get a 401 probe per load.
 */
const signedInHintKey = 'palisade.signedInHint';

/** Returns the login URL that comes back to `path` afterwards. */
export function loginUrl(path: string): string {
  return `/api/auth/login?${new URLSearchParams({ returnTo: path }).toString()}`;
}

/** Notes that a login is starting, so the next page load requests the session from the server. */
export function markLoginStarted(): void {
  window.localStorage.setItem(signedInHintKey, '1');
}

/** Loads the session; `refresh` loads it again and `signOut` ends it at the server. */
export function useSession(): {
  state: SessionState;
  refresh: () => void;
  signOut: () => Promise<void>;
} {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const refresh = useCallback(() => {
    if (window.localStorage.getItem(signedInHintKey) === null) {
      setState({ status: 'signed-out' });
      return;
    }
    setState({ status: 'loading' });
    apiRequest<Session>('GET', '/api/auth/session').then(
      (session) => setState({ status: 'signed-in', session }),
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 401) {
          window.localStorage.removeItem(signedInHintKey);
          setState({ status: 'signed-out' });
        } else {
          setState({ status: 'error', message: error instanceof Error ? error.message : '' });
        }
      },
    );
  }, []);

  const signOut = useCallback(async () => {
    await apiRequest<undefined>('POST', '/api/auth/logout');
    window.localStorage.removeItem(signedInHintKey);
    setState({ status: 'signed-out' });
  }, []);

  useEffect(refresh, [refresh]);
  return { state, refresh, signOut };
}
