import type { ClientBase } from 'pg';

/** The key of one idempotency record: the caller and the key they sent. */
export interface IdempotencyRecordKey {
  readonly issuer: string;
  readonly subject: string;
  readonly key: string;
}

/** A record that another transaction committed first. */
export interface ExistingRecord {
  readonly requestHash: string;
  readonly response: Buffer | null;
}

/**
 * Claims the key for this transaction by inserting its record; a record older than 24 hours is
 * expired and taken over. Returns undefined when the claim succeeded, or the live record that
 * another transaction committed. While another transaction has an uncommitted claim on the
 * same key, PostgreSQL makes this statement wait for it to end.
 */
export async function claimIdempotencyKey(
  client: ClientBase,
  record: IdempotencyRecordKey,
  method: string,
  requestHash: string,
): Promise<ExistingRecord | undefined> {
  const claimed = await client.query(
    `INSERT INTO app.idempotency_keys
       (caller_issuer, caller_subject, idempotency_key, method, request_hash)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO UPDATE
       SET method = EXCLUDED.method, request_hash = EXCLUDED.request_hash,
           response = NULL, created_at = now()
       WHERE app.idempotency_keys.created_at < now() - interval '24 hours'
     RETURNING 1`,
    [record.issuer, record.subject, record.key, method, requestHash],
  );
  if (claimed.rowCount === 1) return undefined;

  const existing = await client.query<{ request_hash: string; response: Buffer | null }>(
    `SELECT request_hash, response FROM app.idempotency_keys
      WHERE caller_issuer = $1 AND caller_subject = $2 AND idempotency_key = $3`,
    [record.issuer, record.subject, record.key],
  );
  const row = existing.rows[0];
  if (row === undefined) throw new Error('idempotency record vanished between insert and select');
  return { requestHash: row.request_hash, response: row.response };
}

/**
 * Returns the stored response of a committed record younger than 24 hours. Returns undefined
 * when there is none, because it expired or its user's data was deleted.
 */
export async function selectIdempotentResponse(
  pool: Pick<ClientBase, 'query'>,
  record: IdempotencyRecordKey,
): Promise<Buffer | undefined> {
  const result = await pool.query<{ response: Buffer | null }>(
    `SELECT response FROM app.idempotency_keys
      WHERE caller_issuer = $1 AND caller_subject = $2 AND idempotency_key = $3
        AND created_at >= now() - interval '24 hours'`,
    [record.issuer, record.subject, record.key],
  );
  return result.rows[0]?.response ?? undefined;
}

/** Stores the response of the write in its claimed record, inside the same transaction. */
export async function recordIdempotentResponse(
  client: ClientBase,
  record: IdempotencyRecordKey,
  response: Uint8Array,
): Promise<void> {
  await client.query(
    `UPDATE app.idempotency_keys SET response = $4
      WHERE caller_issuer = $1 AND caller_subject = $2 AND idempotency_key = $3`,
    [record.issuer, record.subject, record.key, Buffer.from(response)],
  );
}

/** Deletes the records of a user's own calls, whose responses may hold their personal data. */
export async function deleteIdempotencyRecordsOfUser(
  client: ClientBase,
  userId: string,
): Promise<void> {
  await client.query(
    `DELETE FROM app.idempotency_keys k USING app.users u
      WHERE u.id = $1 AND k.caller_issuer = u.issuer AND k.caller_subject = u.subject`,
    [userId],
  );
}
