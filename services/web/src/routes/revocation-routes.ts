import { Type } from 'typebox';

import type { Security } from '../auth/security.js';
import { problemResponse } from '../problem/problem.js';
import { withStore } from '../session/session-authentication.js';
import { bearerSecurity, type RouteDependencies, type TypedApp } from './route-context.js';

const subjectParamsSchema = Type.Object(
  {
    subject: Type.String({
      minLength: 1,
      maxLength: 255,
      description: "The user's `sub` at the identity provider (not the user id).",
    }),
  },
  { additionalProperties: false },
);

const revokedSchema = Type.Object(
  { subject: Type.String(), revokedBefore: Type.String({ format: 'date-time' }) },
  { additionalProperties: false },
);

/** Registers the admin route that signs a user out everywhere. */
export function registerRevocationRoutes(
  app: TypedApp,
  deps: RouteDependencies,
  security: Security,
): void {
  app.post(
    '/api/admin/users/:subject/revoke',
    {
      onRequest: deps.policies.admin,
      schema: {
        summary: 'Revokes every token and session of a user issued before now',
        description:
          'Takes effect on the next request everywhere. A token issued in the same second as the ' +
          'revocation is revoked too, because `iat` has one-second precision.',
        tags: ['admin'],
        security: bearerSecurity,
        params: subjectParamsSchema,
        response: {
          200: revokedSchema,
          400: problemResponse('Invalid subject.'),
          401: problemResponse('Missing, invalid or revoked credentials.'),
          403: problemResponse('The caller lacks the admin role.'),
          503: problemResponse('Revocation store unavailable.'),
        },
      },
    },
    async (request) => {
      const { subject } = request.params;
      const revokedBefore = await withStore(security.revocations.revokeUser(subject));
      request.log.info({ target: subject, revokedBefore }, 'user credentials revoked');
      return { subject, revokedBefore: revokedBefore.toISOString() };
    },
  );
}
