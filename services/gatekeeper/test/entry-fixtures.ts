import { randomUUID } from 'node:crypto';

import type { CreateEntryRequest, UpdateEntryRequest } from '@palisade/contracts';
import {
  EntryFunctions,
  LocalEmbedder,
  SearchCapabilitiesProbe,
  type CallContext,
  type Embedder,
} from '@palisade/gatekeeper';
import { pino } from 'pino';
import type pg from 'pg';

export const silentLogger = pino({ level: 'silent' });
const issuer = 'https://idp.test';

/** Builds the call context of an end user, as the gatekeeper does from a verified token. */
export function callerContext(subject: string, roles: string[] = ['user']): CallContext {
  return { caller: { issuer, subject, roles }, requestId: randomUUID(), logger: silentLogger };
}

/** Builds a CreateEntry request with defaults for the fields not given. */
export function createRequest(entry: Partial<CreateEntryRequest>): CreateEntryRequest {
  return { title: 'Untitled', body: '', tags: [], metadata: {}, sharedWith: [], ...entry };
}

/** Builds an UpdateEntry request with defaults for the fields not given. */
export function updateRequest(
  id: string,
  update: Partial<UpdateEntryRequest> & Pick<UpdateEntryRequest, 'updateMask'>,
): UpdateEntryRequest {
  return { id, tags: [], metadata: undefined, sharedWith: [], ...update };
}

/** Creates the entry business functions on a pool, with the local embedder by default. */
export function entryFunctions(pool: pg.Pool, embedder: Embedder = new LocalEmbedder()) {
  return new EntryFunctions(
    pool,
    embedder,
    new SearchCapabilitiesProbe(pool, embedder, silentLogger),
  );
}

/** Inserts a user row directly and returns its id, as EnsureUser does on first login. */
export async function insertUser(pool: pg.Pool, subject: string): Promise<string> {
  const result = await pool.query<{ id: string }>(
    'INSERT INTO app.users (issuer, subject) VALUES ($1, $2) RETURNING id',
    [issuer, subject],
  );
  return result.rows[0]!.id;
}

/** Collects every page of a list. */
export async function listAll(
  entries: EntryFunctions,
  context: CallContext,
  filters: { tags?: string[]; metadata?: Record<string, unknown> } = {},
  pageSize = 25,
): Promise<string[]> {
  const ids: string[] = [];
  let pageToken = '';
  do {
    const page = await entries.listEntries(context, {
      tags: filters.tags ?? [],
      metadata: filters.metadata ?? {},
      pageSize,
      pageToken,
    });
    ids.push(...page.entries.map((entry) => entry.id));
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return ids;
}

/** Collects every page of a search. */
export async function searchAll(
  entries: EntryFunctions,
  context: CallContext,
  query: string,
  filters: { tags?: string[]; metadata?: Record<string, unknown> } = {},
  pageSize = 25,
): Promise<string[]> {
  const ids: string[] = [];
  let pageToken = '';
  do {
    const page = await entries.searchEntries(context, {
      query,
      tags: filters.tags ?? [],
      metadata: filters.metadata ?? {},
      pageSize,
      pageToken,
    });
    ids.push(...page.hits.map((hit) => hit.entry!.id));
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return ids;
}
