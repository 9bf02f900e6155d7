import type { ClientBase } from 'pg';

import { afterCommit } from '../db/after-commit.js';
import { logAuditEvent, type ChainedAuditEvent } from './audit-stream.js';

/** One audit event, written in the transaction of the change it records. */
export interface AuditEventInput {
  readonly actorId: string | undefined;
  readonly actorSubject: string;
  readonly action: AuditAction;
  readonly targetType: 'user' | 'profile' | 'entry' | 'experiment';
  readonly targetId: string;
  readonly requestId: string;
}

/** Actions recorded in the audit trail. */
export type AuditAction =
  | 'user.create'
  | 'profile.read'
  | 'profile.update'
  | 'user.data.delete'
  | 'entry.create'
  | 'entry.read'
  | 'entry.update'
  | 'entry.delete'
  /**
   * A read, update or delete of an entry that the gatekeeper rejected with NOT_FOUND or
   * PERMISSION_DENIED: the entry is missing, hidden from the caller, or only shared with them.
   * An update whose entry its owner deletes while the update retries is recorded the same way.
   */
  | 'entry.read.denied'
  | 'entry.update.denied'
  | 'entry.delete.denied'
  /** One event per entry a list page returned. */
  | 'entry.list'
  /** One event per entry a search page returned. */
  | 'entry.search'
  | 'experiment.create'
  | 'experiment.read';

export interface AuditEventRow {
  readonly id: string;
  readonly seq: string;
  readonly actor_id: string | null;
  readonly actor_subject: string;
  readonly action: string;
  readonly target_type: string;
  readonly target_id: string;
  readonly request_id: string;
  readonly occurred_at: Date;
}

/**
 * Appends an audit event through `client`, which must be inside the change's
 * transaction. A trigger chains it to the previous event by hash and holds the
 * chain head locked until the transaction ends, so write it as the last
 * statement of the transaction. Once the transaction commits through
 * `withTransaction`, the event is also copied to the log stream.
 */
export async function appendAuditEvent(client: ClientBase, event: AuditEventInput): Promise<void> {
  const result = await client.query<ChainedAuditEvent>(
    `INSERT INTO audit.events (actor_id, actor_subject, action, target_type, target_id, request_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING seq::text AS seq, id, action, actor_id, actor_subject, target_type, target_id,
               request_id, encode(hash, 'hex') AS hash`,
    [
      event.actorId ?? null,
      event.actorSubject,
      event.action,
      event.targetType,
      event.targetId,
      event.requestId,
    ],
  );
  const stored = result.rows[0];
  if (stored !== undefined) afterCommit(client, () => logAuditEvent(stored));
}

export interface AuditQuery {
  readonly userId: string | undefined;
  readonly action: string | undefined;
  /** Only events with a smaller sequence number: the cursor of the previous page. */
  readonly beforeSeq: string | undefined;
  readonly limit: number;
}

/**
 * Lists audit events newest first, filtered by user and action. A user's events are those the
 * user did and those whose target is the user or the user's profile. An entry's target id is
 * not matched, because a rejected read records whatever id the caller sent.
 */
export async function listAuditEvents(
  client: ClientBase,
  query: AuditQuery,
): Promise<AuditEventRow[]> {
  const result = await client.query<AuditEventRow>(
    // seq leaves as text because it can exceed Number.MAX_SAFE_INTEGER; the
    // ORDER BY names e.seq so that it sorts the bigint, not the text alias.
    `SELECT e.id, e.seq::text AS seq, e.actor_id, e.actor_subject, e.action, e.target_type,
            e.target_id, e.request_id, e.occurred_at
       FROM audit.events e
      WHERE ($1::uuid IS NULL OR e.actor_id = $1::uuid
             OR (e.target_id = $1::text AND e.target_type IN ('user', 'profile')))
        AND ($2::text IS NULL OR e.action = $2::text)
        AND ($3::bigint IS NULL OR e.seq < $3::bigint)
      ORDER BY e.seq DESC
      LIMIT $4`,
    [query.userId ?? null, query.action ?? null, query.beforeSeq ?? null, query.limit],
  );
  return result.rows;
}
