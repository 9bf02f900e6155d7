import type pg from 'pg';

import { eventHash, genesisHash, type ChainedEventFields } from './audit-chain.js';

/** Kind of break at the first event found wrong. */
export type ChainProblemKind = 'changed' | 'removed' | 'reordered';

/** The first break in the chain. */
export interface ChainProblem {
  readonly kind: ChainProblemKind;
  /** Position of the event at fault, or of the first missing one. */
  readonly seq: string;
  /** Id of the event at fault; absent when the event is missing. */
  readonly eventId?: string;
  /** One sentence for the operator. */
  readonly message: string;
}

/** Result of {@link verifyAuditChain}. */
export type ChainVerification =
  | { readonly intact: true; readonly events: number; readonly lastSeq: string }
  | { readonly intact: false; readonly events: number; readonly problem: ChainProblem };

interface StoredEvent extends ChainedEventFields {
  readonly seq: string;
  readonly prevHash: Buffer;
  readonly hash: Buffer;
}

const batchSize = 1000;

/**
 * Walks the whole audit chain in order of `seq` and returns the first event
 * that was changed, removed or reordered, recomputing every hash in this
 * process. It reads through `client` inside one read-only REPEATABLE READ
 * transaction, so events committed meanwhile cannot look like a break.
 */
export async function verifyAuditChain(client: pg.ClientBase): Promise<ChainVerification> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    return await walkChain(client);
  } finally {
    await client.query('ROLLBACK');
  }
}

async function walkChain(client: pg.ClientBase): Promise<ChainVerification> {
  let expectedPrevious: Buffer = genesisHash;
  let previous: StoredEvent | undefined;
  let events = 0;

  for (let batch = await readEvents(client, '0'); batch.length > 0;) {
    for (const event of batch) {
      const problem = await checkEvent(client, event, previous, expectedPrevious);
      if (problem !== undefined) return { intact: false, events, problem };
      expectedPrevious = event.hash;
      previous = event;
      events += 1;
    }
    batch = await readEvents(client, previous?.seq ?? '0');
  }

  const problem = await checkHead(client, previous, expectedPrevious);
  if (problem !== undefined) return { intact: false, events, problem };
  return { intact: true, events, lastSeq: previous?.seq ?? '0' };
}

async function checkEvent(
  client: pg.ClientBase,
  event: StoredEvent,
  previous: StoredEvent | undefined,
  expectedPrevious: Buffer,
): Promise<ChainProblem | undefined> {
  const consistent = eventHash(event.prevHash, event).equals(event.hash);
  const changed = (): ChainProblem => ({
    kind: 'changed',
    seq: event.seq,
    eventId: event.id,
    message: `event ${event.seq} (${event.id}) was changed: its content does not match its hash`,
  });

  if (!event.prevHash.equals(expectedPrevious)) {
    const previousSeq = BigInt(previous?.seq ?? '0');
    if (BigInt(event.seq) > previousSeq + 1n) return removed(previousSeq + 1n, event);
    if (!consistent) return changed();

    const predecessor = await findByHash(client, event.prevHash);
    if (predecessor !== undefined) {
      return {
        kind: 'reordered',
        seq: event.seq,
        eventId: event.id,
        message:
          `event ${event.seq} (${event.id}) is out of order: it was chained after event ` +
          `${predecessor.seq} (${predecessor.id})`,
      };
    }
    if (previous !== undefined) {
      // The chain head cannot be moved back, so a head past the last stored event means events
      // were deleted and the later ones renumbered to close the gap.
      if (await eventsMissingBehindHead(client)) {
        return {
          kind: 'removed',
          seq: event.seq,
          eventId: event.id,
          message:
            `events after event ${previous.seq} (${previous.id}) were removed and the later ` +
            `events renumbered: event ${event.seq} (${event.id}) was chained to an event ` +
            'that is no longer stored',
        };
      }
      return {
        kind: 'changed',
        seq: previous.seq,
        eventId: previous.id,
        // The stored hashes cannot tell these two apart once the chain head was also rewritten.
        message:
          `event ${previous.seq} (${previous.id}) was changed and its hash recomputed, or ` +
          `events after it were removed and the later ones renumbered: event ${event.seq} ` +
          `(${event.id}) was chained to a hash that no stored event has`,
      };
    }
    // The first stored event does not start the chain, and nothing stored precedes it:
    // events before it were removed, even if the rest were renumbered to hide the gap.
    return {
      kind: 'removed',
      seq: event.seq,
      eventId: event.id,
      message: `events before event ${event.seq} (${event.id}) were removed: it does not start the chain`,
    };
  }
  return consistent ? undefined : changed();
}

function removed(firstMissing: bigint, next: StoredEvent): ChainProblem {
  const lastMissing = BigInt(next.seq) - 1n;
  const range =
    firstMissing === lastMissing
      ? `event ${firstMissing} was`
      : `events ${firstMissing} to ${lastMissing} were`;
  return {
    kind: 'removed',
    seq: String(firstMissing),
    message: `${range} removed: event ${next.seq} (${next.id}) follows a missing event`,
  };
}

async function checkHead(
  client: pg.ClientBase,
  last: StoredEvent | undefined,
  lastHash: Buffer,
): Promise<ChainProblem | undefined> {
  const result = await client.query<{ last_seq: string; last_hash: Buffer }>(
    'SELECT last_seq::text AS last_seq, last_hash FROM audit.chain_head',
  );
  const head = result.rows[0];
  const lastSeq = BigInt(last?.seq ?? '0');
  if (head === undefined) {
    return { kind: 'removed', seq: '0', message: 'the chain head row audit.chain_head is missing' };
  }
  if (BigInt(head.last_seq) > lastSeq) {
    const first = lastSeq + 1n;
    const range =
      BigInt(head.last_seq) === first
        ? `event ${first} was`
        : `events ${first} to ${head.last_seq} were`;
    return {
      kind: 'removed',
      seq: String(first),
      message: `${range} removed from the end: the chain head records event ${head.last_seq}`,
    };
  }
  if (BigInt(head.last_seq) !== lastSeq || !head.last_hash.equals(lastHash)) {
    return {
      kind: 'changed',
      seq: String(lastSeq),
      ...(last === undefined ? {} : { eventId: last.id }),
      message:
        `the chain head (event ${head.last_seq}) does not match the last event ${lastSeq}: ` +
        'the last event or the head was changed',
    };
  }
  return undefined;
}

async function readEvents(client: pg.ClientBase, afterSeq: string): Promise<StoredEvent[]> {
  const result = await client.query<{
    seq: string;
    id: string;
    occurred_at: string;
    actor_id: string | null;
    actor_subject: string;
    action: string;
    target_type: string;
    target_id: string;
    request_id: string;
    prev_hash: Buffer;
    hash: Buffer;
  }>(
    // Text forms match the trigger's (UTC time with microseconds). ORDER BY names e.seq so that
    // it sorts the bigint column, not its text alias.
    `SELECT seq::text AS seq, id::text AS id,
            to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
            actor_id::text AS actor_id, actor_subject, action, target_type, target_id, request_id,
            prev_hash, hash
       FROM audit.events e
      WHERE e.seq > $1::bigint
      ORDER BY e.seq
      LIMIT $2`,
    [afterSeq, batchSize],
  );
  return result.rows.map((row) => ({
    seq: row.seq,
    id: row.id,
    occurredAt: row.occurred_at,
    actorId: row.actor_id,
    actorSubject: row.actor_subject,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  }));
}

async function eventsMissingBehindHead(client: pg.ClientBase): Promise<boolean> {
  const result = await client.query<{ missing: boolean }>(
    `SELECT h.last_seq > coalesce((SELECT max(seq) FROM audit.events), 0) AS missing
       FROM audit.chain_head h`,
  );
  return result.rows[0]?.missing ?? false;
}

async function findByHash(
  client: pg.ClientBase,
  hash: Buffer,
): Promise<{ seq: string; id: string } | undefined> {
  const result = await client.query<{ seq: string; id: string }>(
    'SELECT seq::text AS seq, id::text AS id FROM audit.events WHERE hash = $1 LIMIT 1',
    [hash],
  );
  return result.rows[0];
}
