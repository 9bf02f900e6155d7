import { createHash } from 'node:crypto';

import { invalidArgument } from '../errors.js';
import { isUuid } from '../users/uuid.js';
import type { ListPosition } from './entry-store.js';
import type { SearchPosition } from './entry-search.js';

const listPrefix = 'entries:';
const searchPrefix = 'search:';
// ISO 8601 in UTC with microseconds, as the list query formats `created_at`.
const timestampText = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Encodes the last row of a list page as an opaque cursor. */
export function encodeListToken(position: ListPosition): string {
  return encode(listPrefix, [position.createdAt, position.id]);
}

/** Decodes a cursor from {@link encodeListToken}; anything else is INVALID_ARGUMENT. */
export function decodeListToken(token: string): ListPosition {
  const value = decode(listPrefix, token);
  if (!Array.isArray(value) || value.length !== 2) throw invalidToken();
  const [createdAt, id] = value as unknown[];
  if (typeof createdAt !== 'string' || !timestampText.test(createdAt)) throw invalidToken();
  if (typeof id !== 'string' || !isUuid(id)) throw invalidToken();
  return { createdAt, id };
}

/**
 * Encodes the last hit of a search page as an opaque cursor, bound to the
 * search's fingerprint so that it cannot continue a different search.
 */
export function encodeSearchToken(position: SearchPosition, fingerprint: string): string {
  return encode(searchPrefix, [position.score, position.id, fingerprint]);
}

/** Decodes a cursor from {@link encodeSearchToken} for the search with `fingerprint`. */
export function decodeSearchToken(token: string, fingerprint: string): SearchPosition {
  const value = decode(searchPrefix, token);
  if (!Array.isArray(value) || value.length !== 3) throw invalidToken();
  const [score, id, tokenFingerprint] = value as unknown[];
  if (typeof score !== 'number' || !Number.isFinite(score)) throw invalidToken();
  if (typeof id !== 'string' || !isUuid(id)) throw invalidToken();
  if (tokenFingerprint !== fingerprint) {
    throw invalidArgument(
      'page_token belongs to a different search: repeat the query, tags and metadata of the page it came from',
    );
  }
  return { score, id };
}

/**
 * Fingerprints what decides a search's ranking, so a cursor is used only with
 * the search it came from. Tag order and metadata key order do not count.
 */
export function searchFingerprint(parts: {
  query: string;
  tags: readonly string[];
  metadata: Record<string, unknown>;
  mode: string;
}): string {
  const canonical = JSON.stringify([
    parts.query,
    [...parts.tags].sort(),
    canonicalJson(parts.metadata),
    parts.mode,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    const record = value as Record<string, unknown>;
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function encode(prefix: string, value: unknown): string {
  return Buffer.from(`${prefix}${JSON.stringify(value)}`, 'utf8').toString('base64url');
}

function decode(prefix: string, token: string): unknown {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(prefix)) throw invalidToken();
  try {
    return JSON.parse(text.slice(prefix.length)) as unknown;
  } catch {
    throw invalidToken();
  }
}

function invalidToken() {
  return invalidArgument('page_token is invalid: pass the next_page_token of the previous page');
}
