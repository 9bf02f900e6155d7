import type { ClientBase } from 'pg';

import type { EntryChanges, EntryDraft, EntryFilters } from './entry-validation.js';

/** An entry row as the business functions use it. */
export interface EntryRow {
  readonly id: string;
  readonly owner_id: string;
  readonly title: string;
  readonly body: string;
  readonly tags: string[];
  readonly metadata: Record<string, unknown>;
  readonly revision: number;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** An entry row that the caller may see, with whether the caller owns it. */
export interface VisibleEntryRow extends EntryRow {
  readonly owned: boolean;
}

/**
 * A row of a list page. `created_at_key` is `created_at` in UTC with
 * microseconds, for the cursor: a JavaScript Date keeps only milliseconds.
 */
export interface EntryListRow extends Omit<EntryRow, 'body' | 'revision'> {
  readonly created_at_key: string;
}

/** Position after which a list page starts: the last row of the previous page. */
export interface ListPosition {
  readonly createdAt: string;
  readonly id: string;
}

const entryColumns = `e.id, e.owner_id, e.title, e.body, e.tags, e.metadata, e.revision,
  e.created_at, e.updated_at`;

/**
 * The access rule of every read: the caller ($1 in each statement) owns the
 * entry, or its owner shared it with the caller.
 */
export const visibleToCaller = `(e.owner_id = $1
  OR e.id IN (SELECT s.entry_id FROM app.entry_shares s WHERE s.user_id = $1))`;

/** Inserts an entry owned by `ownerId`; its shares are written separately. */
export async function insertEntry(
  client: ClientBase,
  ownerId: string,
  draft: EntryDraft,
): Promise<EntryRow> {
  const result = await client.query<EntryRow>(
    `INSERT INTO app.entries AS e (owner_id, title, body, tags, metadata)
     VALUES ($1, $2, $3, $4::text[], $5::jsonb)
     RETURNING ${entryColumns}`,
    [ownerId, draft.title, draft.body, draft.tags, JSON.stringify(draft.metadata)],
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error('INSERT … RETURNING returned no row');
  return row;
}

/** Returns an entry if the caller may see it, or undefined when it is absent or hidden. */
export async function selectVisibleEntry(
  client: ClientBase,
  callerId: string,
  entryId: string,
): Promise<VisibleEntryRow | undefined> {
  const result = await client.query<VisibleEntryRow>(
    `SELECT ${entryColumns}, e.owner_id = $1 AS owned
       FROM app.entries e
      WHERE e.id = $2 AND ${visibleToCaller}`,
    [callerId, entryId],
  );
  return result.rows[0];
}

/**
 * Applies `changes` to an entry of `ownerId` that is still at `revision`. Returns
 * undefined when the entry is gone or changed since that revision.
 */
export async function updateEntry(
  client: ClientBase,
  ownerId: string,
  entryId: string,
  revision: number,
  changes: EntryChanges,
): Promise<EntryRow | undefined> {
  const result = await client.query<EntryRow>(
    `UPDATE app.entries AS e SET
       title = CASE WHEN $4 THEN $5 ELSE e.title END,
       body = CASE WHEN $6 THEN $7 ELSE e.body END,
       tags = CASE WHEN $8 THEN $9::text[] ELSE e.tags END,
       metadata = CASE WHEN $10 THEN $11::jsonb ELSE e.metadata END,
       revision = e.revision + 1,
       updated_at = now()
     WHERE e.owner_id = $1 AND e.id = $2 AND e.revision = $3
     RETURNING ${entryColumns}`,
    [
      ownerId,
      entryId,
      revision,
      changes.title !== undefined,
      changes.title ?? null,
      changes.body !== undefined,
      changes.body ?? null,
      changes.tags !== undefined,
      changes.tags ?? null,
      changes.metadata !== undefined,
      changes.metadata === undefined ? null : JSON.stringify(changes.metadata),
    ],
  );
  return result.rows[0];
}

/** Deletes an entry its owner holds, with its shares. Returns false when there is none. */
export async function deleteEntry(
  client: ClientBase,
  ownerId: string,
  entryId: string,
): Promise<boolean> {
  const result = await client.query('DELETE FROM app.entries WHERE owner_id = $1 AND id = $2', [
    ownerId,
    entryId,
  ]);
  return result.rowCount === 1;
}

/** Replaces the set of users an entry is shared with. */
export async function replaceShares(
  client: ClientBase,
  entryId: string,
  userIds: readonly string[],
): Promise<void> {
  await client.query('DELETE FROM app.entry_shares WHERE entry_id = $1', [entryId]);
  if (userIds.length === 0) return;
  await client.query(
    `INSERT INTO app.entry_shares (entry_id, user_id)
     SELECT $1, user_id FROM unnest($2::uuid[]) AS user_id`,
    [entryId, userIds],
  );
}

/** Returns the ids of the users an entry is shared with, sorted. */
export async function selectShares(client: ClientBase, entryId: string): Promise<string[]> {
  const result = await client.query<{ user_id: string }>(
    'SELECT user_id FROM app.entry_shares WHERE entry_id = $1 ORDER BY user_id',
    [entryId],
  );
  return result.rows.map((row) => row.user_id);
}

/** Returns those of `userIds` that name no user. */
export async function findUnknownUsers(
  client: ClientBase,
  userIds: readonly string[],
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const result = await client.query<{ id: string }>(
    `SELECT candidate.id::text AS id
       FROM unnest($1::uuid[]) AS candidate (id)
      WHERE NOT EXISTS (SELECT 1 FROM app.users u WHERE u.id = candidate.id)`,
    [userIds],
  );
  return result.rows.map((row) => row.id);
}

/**
 * Lists the entries the caller may see, newest first, matching `filters`,
 * starting after `after`. Returns at most `limit` rows.
 */
export async function listVisibleEntries(
  client: ClientBase,
  callerId: string,
  filters: EntryFilters,
  after: ListPosition | undefined,
  limit: number,
): Promise<EntryListRow[]> {
  const result = await client.query<EntryListRow>(
    `SELECT e.id, e.owner_id, e.title, e.tags, e.metadata, e.created_at, e.updated_at,
            to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
              AS created_at_key
       FROM app.entries e
      WHERE ${visibleToCaller}
        AND e.tags @> $2::text[]
        AND e.metadata @> $3::jsonb
        AND ($4::timestamptz IS NULL OR (e.created_at, e.id) < ($4::timestamptz, $5::uuid))
      ORDER BY e.created_at DESC, e.id DESC
      LIMIT $6`,
    [
      callerId,
      filters.tags,
      JSON.stringify(filters.metadata),
      after?.createdAt ?? null,
      after?.id ?? null,
      limit,
    ],
  );
  return result.rows;
}
