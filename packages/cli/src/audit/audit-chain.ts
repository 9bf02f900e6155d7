import { createHash } from 'node:crypto';

/** The previous hash of the first event in the chain: 32 zero bytes. */
export const genesisHash = Buffer.alloc(32);

/** An audit event as the chain hashes it, every field in its text form. */
export interface ChainedEventFields {
  readonly id: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, microseconds included. */
  readonly occurredAt: string;
  readonly actorId: string | null;
  readonly actorSubject: string;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly requestId: string;
}

/**
 * Computes an event's hash the way the database trigger `audit.chain_event`
 * does: SHA-256 over the previous hash and then each field framed as its
 * UTF-8 length (4-byte big-endian, -1 for NULL) followed by its bytes. It is
 * written again here, not read from the database, so a changed trigger
 * cannot make a changed chain look intact.
 */
export function eventHash(previousHash: Buffer, event: ChainedEventFields): Buffer {
  const hash = createHash('sha256').update(previousHash);
  const fields = [
    event.id,
    event.occurredAt,
    event.actorId,
    event.actorSubject,
    event.action,
    event.targetType,
    event.targetId,
    event.requestId,
  ];
  for (const field of fields) hash.update(framed(field));
  return hash.digest();
}

function framed(value: string | null): Buffer {
  const length = Buffer.alloc(4);
  if (value === null) {
    length.writeInt32BE(-1);
    return length;
  }
  const bytes = Buffer.from(value, 'utf8');
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
