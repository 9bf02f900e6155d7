import { invalidArgument } from '../errors.js';

const prefix = 'seq:';

/** Encodes the last sequence number of a page as an opaque cursor. */
export function encodePageToken(seq: string): string {
  return Buffer.from(`${prefix}${seq}`, 'utf8').toString('base64url');
}

/** Decodes a cursor from {@link encodePageToken}; anything else is INVALID_ARGUMENT. */
export function decodePageToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const seq = text.startsWith(prefix) ? text.slice(prefix.length) : '';
  // The largest bigint is 9223372036854775807; a larger cursor was never issued.
  if (!/^[1-9][0-9]{0,18}$/.test(seq) || BigInt(seq) > 9223372036854775807n) {
    throw invalidArgument('page_token is invalid: pass the next_page_token of the previous page');
  }
  return seq;
}
