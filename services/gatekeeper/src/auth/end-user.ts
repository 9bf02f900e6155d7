import type { Metadata } from '@grpc/grpc-js';
import {
  bearerTokenFromHeader,
  IdentityProviderUnavailableError,
  InvalidAccessTokenError,
  type AccessTokenVerifier,
} from '@palisade/identity';

import type { Caller } from '../caller.js';
import { GatekeeperError } from '../errors.js';

/**
 * Verifies the end user's access token that the caller forwards in the
 * `authorization` metadata. The gatekeeper checks it again, whatever the web
 * tier decided, so a compromised web tier cannot act for a user whose token it
 * does not hold.
 */
export async function authenticateEndUser(
  verifier: AccessTokenVerifier,
  metadata: Metadata,
): Promise<Caller> {
  const values = metadata.get('authorization');
  const header = values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
  const token = bearerTokenFromHeader(header);
  if (token === undefined) {
    throw new GatekeeperError(
      'UNAUTHENTICATED',
      'access token missing: send one "authorization: Bearer <token>" metadata entry',
    );
  }

  try {
    const user = await verifier.verify(token);
    return { issuer: user.issuer, subject: user.subject, roles: user.roles };
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) {
      throw new GatekeeperError('UNAUTHENTICATED', `access token rejected: ${error.message}`, {
        cause: error,
      });
    }
    if (error instanceof IdentityProviderUnavailableError) {
      throw new GatekeeperError('UNAVAILABLE', 'identity provider unavailable, retry later', {
        cause: error,
      });
    }
    throw error;
  }
}
