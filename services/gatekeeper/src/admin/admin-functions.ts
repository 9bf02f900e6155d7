import type { ListAuditEventsRequest, ListAuditEventsResponse } from '@palisade/contracts';
import { DeleteUserDataResponse } from '@palisade/contracts';
import type pg from 'pg';

import { appendAuditEvent, listAuditEvents, type AuditEventRow } from '../audit/audit-log.js';
import type { ProfileCache } from '../cache/profile-cache.js';
import { isAdmin, type CallContext } from '../caller.js';
import { withTransaction } from '../db/pool.js';
import { invalidArgument, notFound, permissionDenied } from '../errors.js';
import { deleteIdempotencyRecordsOfUser } from '../idempotency/idempotency-records.js';
import type { IdempotentWrites } from '../idempotency/idempotent-writes.js';
import { deleteUser, findUserId } from '../users/user-store.js';
import { isUuid } from '../users/uuid.js';
import { decodePageToken, encodePageToken } from './page-token.js';

const defaultPageSize = 20;
const maxPageSize = 100;
const actionPattern = /^[a-z]+(\.[a-z]+)*$/;

/** Business functions reserved for admins; each checks the role itself. */
export class AdminFunctions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly cache: ProfileCache,
    private readonly writes: IdempotentWrites,
  ) {}

  /** Removes a user's personal data; the audit trail keeps its events, which hold ids only. */
  async deleteUserData(context: CallContext, userId: string): Promise<DeleteUserDataResponse> {
    requireAdmin(context);
    if (!isUuid(userId))
      throw invalidArgument(`user_id ${JSON.stringify(userId)} is not a lower-case UUID`);

    const operation = {
      method: 'DeleteUserData',
      request: { userId },
      codec: DeleteUserDataResponse,
    };
    const deleted = await this.writes.run(context, operation, async (client) => {
      const { caller, requestId } = context;
      // Stored responses of the user's own writes hold their profile, so they go too.
      await deleteIdempotencyRecordsOfUser(client, userId);
      if (!(await deleteUser(client, userId))) throw notFound(`user ${userId} not found`);

      await appendAuditEvent(client, {
        actorId: await findUserId(client, caller.issuer, caller.subject),
        actorSubject: caller.subject,
        requestId,
        action: 'user.data.delete',
        targetType: 'user',
        targetId: userId,
      });
      context.logger.info({ userId }, 'user data deleted');
      return { userId, deletedAt: new Date() };
    });
    await this.cache.invalidate(userId);
    return deleted;
  }

  /** Lists audit events newest first, filtered by user and action, one page at a time. */
  async listAuditEvents(
    context: CallContext,
    request: ListAuditEventsRequest,
  ): Promise<ListAuditEventsResponse> {
    requireAdmin(context);
    const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
    if (pageSize < 1 || pageSize > maxPageSize) {
      throw invalidArgument(`page_size ${pageSize} is out of range: use 1 to ${maxPageSize}`);
    }
    if (request.userId !== '' && !isUuid(request.userId)) {
      throw invalidArgument(`user_id ${JSON.stringify(request.userId)} is not a lower-case UUID`);
    }
    if (request.action !== '' && !actionPattern.test(request.action)) {
      throw invalidArgument(
        `action ${JSON.stringify(request.action)} is not an action name such as profile.update`,
      );
    }

    const rows = await withTransaction(this.pool, (client) =>
      listAuditEvents(client, {
        userId: request.userId || undefined,
        action: request.action || undefined,
        beforeSeq: request.pageToken === '' ? undefined : decodePageToken(request.pageToken),
        limit: pageSize + 1,
      }),
    );

    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      events: page.map(toAuditEvent),
      nextPageToken: rows.length > pageSize && last ? encodePageToken(last.seq) : '',
    };
  }
}

function requireAdmin(context: CallContext): void {
  if (!isAdmin(context.caller)) throw permissionDenied('this function requires the admin role');
}

function toAuditEvent(row: AuditEventRow) {
  return {
    id: row.id,
    actorId: row.actor_id ?? '',
    actorSubject: row.actor_subject,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    requestId: row.request_id,
    occurredAt: row.occurred_at,
  };
}
