import { StoreUnavailableError, type RevocationList } from '@palisade/store';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

import { principalOf } from '../auth/authenticate.js';
import { ProblemError, problemKinds } from '../problem/problem.js';

/** Outcome of a request when the revocation list cannot be read. */
export type RevocationFailMode = 'closed' | 'open';

/**
 * Creates the hook that rejects revoked credentials: an access token revoked by its `jti`, or
 * any token or session of a user issued before a user-wide revocation. Runs after
 * `authenticate` on every authenticated route. When the store is unreachable, `closed` returns
 * 503 and `open` admits the request unchecked; both log each failure.
 */
export function createRevocationCheck(
  revocations: RevocationList,
  failMode: RevocationFailMode,
): onRequestAsyncHookHandler {
  return async function checkRevocation(request: FastifyRequest) {
    const { user, issuedAtMs, via } = principalOf(request);

    let reason;
    try {
      reason = await revocations.check({
        subject: user.subject,
        issuedAtMs,
        ...(user.tokenId === undefined ? {} : { tokenId: user.tokenId }),
      });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      if (failMode === 'closed') {
        throw new ProblemError(
          problemKinds.storeUnavailable,
          'The revocation list is unreachable, so the credentials cannot be checked; retry later',
          { cause: error },
        );
      }
      request.log.warn({ err: error }, 'revocation check failed; request admitted unchecked');
      return;
    }

    if (reason === undefined) return;
    const what = via === 'session' ? 'session' : 'access token';
    request.log.info({ reason, via }, 'revoked credentials rejected');
    throw new ProblemError(problemKinds.unauthenticated, `The ${what} has been revoked`, {
      headers: {
        'www-authenticate': `Bearer error="invalid_token", error_description="The ${what} has been revoked"`,
      },
    });
  };
}
