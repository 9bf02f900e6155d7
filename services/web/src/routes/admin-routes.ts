import type { AuditEvent } from '@palisade/contracts';
import { Type } from 'typebox';

import { problemResponse } from '../problem/problem.js';
import { isoTimestamp } from './profile-schema.js';
import {
  bearerSecurity,
  callContextOf,
  type RouteDependencies,
  type TypedApp,
} from './route-context.js';

const userIdParamsSchema = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'User id.' }) },
  { additionalProperties: false },
);

const deletedUserDataSchema = Type.Object(
  { userId: Type.String({ format: 'uuid' }), deletedAt: Type.String({ format: 'date-time' }) },
  { additionalProperties: false },
);

const auditQuerySchema = Type.Object(
  {
    userId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'Only events whose actor or target is this user.',
      }),
    ),
    action: Type.Optional(
      Type.String({
        maxLength: 64,
        pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$',
        description: 'Only events with this action, for example `profile.update`.',
      }),
    ),
    pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    pageToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        pattern: '^[\\x21-\\x7e]+$',
        description: '`nextPageToken` of the previous page.',
      }),
    ),
  },
  { additionalProperties: false },
);

const auditEventSchema = Type.Object(
  {
    id: Type.String(),
    actorId: Type.String(),
    actorSubject: Type.String(),
    action: Type.String(),
    targetType: Type.String(),
    targetId: Type.String(),
    requestId: Type.String(),
    occurredAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const auditPageSchema = Type.Object(
  {
    events: Type.Array(auditEventSchema),
    nextPageToken: Type.Optional(Type.String({ description: 'Absent on the last page.' })),
  },
  { additionalProperties: false },
);

const errorResponses = {
  400: problemResponse('Invalid parameter; `errors` names it.'),
  401: problemResponse('Missing or invalid access token.'),
  403: problemResponse('The caller lacks the admin role.'),
  503: problemResponse('Gatekeeper or identity provider unavailable.'),
  504: problemResponse('Gatekeeper timed out.'),
};

/** Registers the admin routes, each of which requires the admin role. */
export function registerAdminRoutes(app: TypedApp, deps: RouteDependencies): void {
  app.delete(
    '/api/admin/users/:id/data',
    {
      onRequest: deps.policies.admin,
      schema: {
        summary: "Deletes a user's personal data; the audit trail is kept",
        tags: ['admin'],
        security: bearerSecurity,
        params: userIdParamsSchema,
        response: {
          200: deletedUserDataSchema,
          404: problemResponse('No such user.'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const context = callContextOf(request, reply, deps.timeouts);
      const result = await deps.gatekeeper.deleteUserData(context, { userId: request.params.id });
      return {
        userId: result.userId,
        deletedAt: isoTimestamp(result.deletedAt, 'DeleteUserDataResponse.deleted_at'),
      };
    },
  );

  app.get(
    '/api/admin/audit',
    {
      onRequest: deps.policies.admin,
      schema: {
        summary: 'Lists audit events, newest first',
        tags: ['admin'],
        security: bearerSecurity,
        querystring: auditQuerySchema,
        response: { 200: auditPageSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { userId, action, pageSize, pageToken } = request.query;
      const context = callContextOf(request, reply, deps.timeouts);
      const page = await deps.gatekeeper.listAuditEvents(context, {
        userId: userId ?? '',
        action: action ?? '',
        pageSize,
        pageToken: pageToken ?? '',
      });

      const events = page.events.map(toAuditEventJson);
      return page.nextPageToken === '' ? { events } : { events, nextPageToken: page.nextPageToken };
    },
  );
}

function toAuditEventJson(event: AuditEvent) {
  return {
    id: event.id,
    actorId: event.actorId,
    actorSubject: event.actorSubject,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    requestId: event.requestId,
    occurredAt: isoTimestamp(event.occurredAt, 'AuditEvent.occurred_at'),
  };
}
