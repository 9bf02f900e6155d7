import type { Metadata } from '@grpc/grpc-js';

import { invalidArgument } from '../errors.js';

/** Metadata entry that carries the client's idempotency key on writes. */
export const IDEMPOTENCY_KEY_METADATA = 'idempotency-key';

/** 1 to 255 visible ASCII characters, the same rule as the web tier's header check. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Reads the idempotency key from call metadata. Returns undefined when there is none.
 *
 * @throws {GatekeeperError} INVALID_ARGUMENT when the entry is repeated or malformed.
 */
export function idempotencyKeyOf(metadata: Metadata): string | undefined {
  const values = metadata.get(IDEMPOTENCY_KEY_METADATA);
  if (values.length === 0) return undefined;

  const [value] = values;
  if (values.length > 1 || typeof value !== 'string' || !KEY_PATTERN.test(value)) {
    throw invalidArgument(
      'idempotency-key metadata is invalid: send one value of 1 to 255 visible ASCII characters',
    );
  }
  return value;
}
