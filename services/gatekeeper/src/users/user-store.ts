import { detachOwnerExperiments } from '@palisade/inventory';
import type { ClientBase, Pool } from 'pg';

import { GatekeeperError } from '../errors.js';

/** A pool for a statement of its own, or a client inside a transaction. */
export type Queryable = Pool | ClientBase;

/** A profile row joined with its user, as the business functions return it. */
export interface ProfileRow {
  readonly user_id: string;
  readonly subject: string;
  readonly display_name: string;
  readonly email: string;
  readonly locale: string;
  readonly metadata: Record<string, unknown>;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** The profile fields a caller may change, each present only when it is changed. */
export interface ProfileChanges {
  readonly displayName?: string;
  readonly email?: string;
  readonly locale?: string;
  readonly metadata?: Record<string, unknown>;
}

const profileColumns = `u.id AS user_id, u.subject, p.display_name, p.email, p.locale,
  p.metadata, p.created_at, p.updated_at`;

/** Returns the user id for an identity, or undefined before the first EnsureUser. */
export async function findUserId(
  client: Queryable,
  issuer: string,
  subject: string,
): Promise<string | undefined> {
  const result = await client.query<{ id: string }>(
    'SELECT id FROM app.users WHERE issuer = $1 AND subject = $2',
    [issuer, subject],
  );
  return result.rows[0]?.id;
}

/**
 * Inserts the user and an empty profile unless they exist. Returns the user id
 * and whether this call created it; concurrent first logins create one row.
 */
export async function insertUserIfMissing(
  client: ClientBase,
  issuer: string,
  subject: string,
): Promise<{ userId: string; created: boolean }> {
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO app.users (issuer, subject) VALUES ($1, $2)
     ON CONFLICT (issuer, subject) DO NOTHING
     RETURNING id`,
    [issuer, subject],
  );
  const createdId = inserted.rows[0]?.id;
  if (createdId !== undefined) {
    await client.query('INSERT INTO app.profiles (user_id) VALUES ($1)', [createdId]);
    return { userId: createdId, created: true };
  }

  const existingId = await findUserId(client, issuer, subject);
  if (existingId === undefined) throw new Error('user row vanished between insert and select');
  return { userId: existingId, created: false };
}

export async function selectProfile(
  client: Queryable,
  userId: string,
): Promise<ProfileRow | undefined> {
  const result = await client.query<ProfileRow>(
    `SELECT ${profileColumns}
       FROM app.users u JOIN app.profiles p ON p.user_id = u.id
      WHERE u.id = $1`,
    [userId],
  );
  return result.rows[0];
}

/** Applies `changes` to a profile; fields not present keep their value. */
export async function updateProfile(
  client: ClientBase,
  userId: string,
  changes: ProfileChanges,
): Promise<ProfileRow | undefined> {
  const result = await client.query<ProfileRow>(
    `WITH updated AS (
       UPDATE app.profiles SET
         display_name = CASE WHEN $2 THEN $3 ELSE display_name END,
         email = CASE WHEN $4 THEN $5 ELSE email END,
         locale = CASE WHEN $6 THEN $7 ELSE locale END,
         metadata = CASE WHEN $8 THEN $9::jsonb ELSE metadata END,
         updated_at = now()
       WHERE user_id = $1
       RETURNING *
     )
     SELECT ${profileColumns} FROM app.users u JOIN updated p ON p.user_id = u.id`,
    [
      userId,
      changes.displayName !== undefined,
      changes.displayName ?? null,
      changes.email !== undefined,
      changes.email ?? null,
      changes.locale !== undefined,
      changes.locale ?? null,
      changes.metadata !== undefined,
      changes.metadata === undefined ? null : JSON.stringify(changes.metadata),
    ],
  );
  return result.rows[0];
}

/** Title an experiment keeps after its owner's data is deleted. */
export const deletedExperimentTitle = 'deleted';

// Attempts of the deletion when experiments are inserted for the user while it runs.
const deleteAttempts = 3;
const foreignKeyViolation = '23503';

/**
 * Deletes a user and, by cascade, every row of personal data. Experiments stay, because their
 * reservations hold stock, with the title replaced and no owner, and a pending one is released
 * instead of confirmed. Returns false when absent. Runs inside the caller's transaction.
 *
 * An experiment inserted for the user while this runs makes the DELETE fail on the experiment's
 * foreign key once that insert commits. The deletion then detaches again and retries, up to
 * {@link deleteAttempts} times.
 *
 * @throws GatekeeperError UNAVAILABLE when experiments kept arriving for every attempt.
 */
export async function deleteUser(client: ClientBase, userId: string): Promise<boolean> {
  for (let attempt = 1; attempt <= deleteAttempts; attempt += 1) {
    await detachOwnerExperiments(client, userId, deletedExperimentTitle);
    await client.query('SAVEPOINT delete_user');
    try {
      const result = await client.query('DELETE FROM app.users WHERE id = $1', [userId]);
      await client.query('RELEASE SAVEPOINT delete_user');
      return result.rowCount === 1;
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT delete_user');
      if ((error as { code?: unknown }).code !== foreignKeyViolation) throw error;
    }
  }
  throw new GatekeeperError(
    'UNAVAILABLE',
    `experiments were created for user ${userId} during each of ${deleteAttempts} deletion attempts; retry`,
  );
}
