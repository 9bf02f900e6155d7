import {
  SearchMode,
  type CreateEntryRequest,
  type DeleteEntryResponse,
  type Entry,
  type EntrySummary,
  type ListEntriesRequest,
  type ListEntriesResponse,
  type SearchEntriesRequest,
  type SearchEntriesResponse,
  type UpdateEntryRequest,
} from '@palisade/contracts';
import type pg from 'pg';

import { appendAuditEvent, type AuditAction } from '../audit/audit-log.js';
import type { CallContext } from '../caller.js';
import { withTransaction } from '../db/pool.js';
import type { Embedder } from '../embeddings/embedder.js';
import { GatekeeperError, invalidArgument, notFound, permissionDenied } from '../errors.js';
import { outsideCallScope } from '../grpc/call-scope.js';
import { findUserId, insertUserIfMissing } from '../users/user-store.js';
import { isUuid } from '../users/uuid.js';
import {
  embeddingTextOf,
  embedTexts,
  storeEmbedding,
  type EntryEmbedding,
} from './entry-embeddings.js';
import {
  decodeListToken,
  decodeSearchToken,
  encodeListToken,
  encodeSearchToken,
  searchFingerprint,
} from './entry-page-tokens.js';
import { enableIterativeIndexScan, searchByText, searchHybrid } from './entry-search.js';
import {
  deleteEntry as deleteEntryRow,
  findUnknownUsers,
  insertEntry,
  listVisibleEntries,
  replaceShares,
  selectShares,
  selectVisibleEntry,
  updateEntry as updateEntryRow,
  type EntryRow,
  type VisibleEntryRow,
} from './entry-store.js';
import {
  changesEmbeddedText,
  readEntryChanges,
  readEntryDraft,
  readEntryFilters,
  readPageSize,
  readSearchQuery,
  type EntryChanges,
} from './entry-validation.js';
import type { SearchCapabilities } from './search-capabilities.js';
import { anyWordQuery, snippetHtml } from './search-text.js';

/** Source of the database's search mode, which the business functions read on each call. */
export interface SearchCapabilitiesSource {
  current(): Promise<SearchCapabilities>;
}

// An update computes the embedding outside its transaction and stores it only
// if the entry has not changed meanwhile. It tries this often before giving up.
const updateAttempts = 3;

/**
 * Business functions on notebook entries. An entry's owner reads and writes
 * it, and users it is shared with only read it. Other users, admins included,
 * get NOT_FOUND as for an entry that does not exist. Each function runs in one
 * transaction with the audit events it writes, which come last because the
 * audit trigger locks the chain head until the transaction ends.
 */
export class EntryFunctions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly embedder: Embedder,
    private readonly capabilities: SearchCapabilitiesSource,
  ) {}

  /** Creates an entry owned by the caller, shared with the users it names. */
  async createEntry(context: CallContext, request: CreateEntryRequest): Promise<Entry> {
    const draft = readEntryDraft(request);
    const [embedding] = await this.#embed([draft]);

    return withTransaction(this.pool, async (client) => {
      const { caller } = context;
      const { userId, created } = await insertUserIfMissing(client, caller.issuer, caller.subject);
      await checkShareTargets(client, userId, draft.sharedWith);

      const row = await insertEntry(client, userId, draft);
      if (embedding !== undefined) await storeEmbedding(client, row.id, embedding);
      await replaceShares(client, row.id, draft.sharedWith);
      if (created) await auditUserCreated(client, context, userId);
      await audit(client, context, userId, 'entry.create', [row.id]);
      context.logger.info({ entryId: row.id }, 'entry created');
      return toEntry(row, [...draft.sharedWith].sort());
    });
  }

  /** Returns an entry the caller owns or that is shared with the caller. */
  async getEntry(context: CallContext, entryId: string): Promise<Entry> {
    return this.#auditingDenial(context, 'entry.read.denied', entryId, () =>
      withTransaction(this.pool, async (client) => {
        const { callerId, row } = await requireVisible(client, context, entryId);
        const shares = row.owned ? await selectShares(client, row.id) : [];
        await audit(client, context, callerId, 'entry.read', [row.id]);
        return toEntry(row, shares);
      }),
    );
  }

  /** Changes the fields named in the update mask of an entry the caller owns. */
  async updateEntry(context: CallContext, request: UpdateEntryRequest): Promise<Entry> {
    const changes = readEntryChanges(request);
    return this.#auditingDenial(context, 'entry.update.denied', request.id, () =>
      this.#update(context, request, changes),
    );
  }

  /** Applies `changes`, trying again when the entry changes while its embedding is computed. */
  async #update(
    context: CallContext,
    request: UpdateEntryRequest,
    changes: EntryChanges,
  ): Promise<Entry> {
    for (let attempt = 1; attempt <= updateAttempts; attempt += 1) {
      const current = await withTransaction(this.pool, (client) =>
        requireOwned(client, context, request.id),
      );
      const embedding = changesEmbeddedText(changes)
        ? (await this.#embed([{ ...current.row, ...changes }]))[0]
        : undefined;

      const updated = await withTransaction(this.pool, (client) =>
        this.#applyUpdate(client, context, current.callerId, current.row, changes, embedding),
      );
      if (updated !== undefined) return updated;
      context.logger.info(
        { entryId: request.id, attempt },
        'entry changed during update; retrying',
      );
    }
    throw new GatekeeperError(
      'UNAVAILABLE',
      `entry ${request.id} changed ${updateAttempts} times during this update; retry`,
    );
  }

  /** Deletes an entry the caller owns, with its shares. */
  async deleteEntry(context: CallContext, entryId: string): Promise<DeleteEntryResponse> {
    return this.#auditingDenial(context, 'entry.delete.denied', entryId, () =>
      withTransaction(this.pool, async (client) => {
        const { callerId } = await requireOwned(client, context, entryId);
        if (!(await deleteEntryRow(client, callerId, entryId))) {
          throw notFound(`entry ${entryId} not found`);
        }
        await audit(client, context, callerId, 'entry.delete', [entryId]);
        context.logger.info({ entryId }, 'entry deleted');
        return { id: entryId, deletedAt: new Date() };
      }),
    );
  }

  /**
   * Runs `work` on one entry and, when it is rejected with NOT_FOUND or PERMISSION_DENIED, records
   * `action` in the audit trail in a transaction of its own, because the rejected one rolled back.
   * An id that is not a UUID names no entry and is not recorded. A failure to record is logged,
   * and the caller still gets the rejection.
   */
  async #auditingDenial<T>(
    context: CallContext,
    action: AuditAction,
    entryId: string,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const denied =
        error instanceof GatekeeperError &&
        (error.code === 'NOT_FOUND' || error.code === 'PERMISSION_DENIED');
      if (denied && isUuid(entryId)) {
        await this.#auditDenial(context, action, entryId).catch((auditError: unknown) => {
          context.logger.error(
            { err: auditError, entryId, action },
            'recording a denied entry access in the audit trail failed',
          );
        });
      }
      throw error;
    }
  }

  async #auditDenial(context: CallContext, action: AuditAction, entryId: string): Promise<void> {
    // Outside the call, whose deadline may have passed: the rejection is recorded all the same.
    await outsideCallScope(() =>
      withTransaction(this.pool, async (client) => {
        const { issuer, subject } = context.caller;
        await appendAuditEvent(client, {
          actorId: await findUserId(client, issuer, subject),
          actorSubject: subject,
          requestId: context.requestId,
          action,
          targetType: 'entry',
          targetId: entryId,
        });
      }),
    );
  }

  /** Lists the caller's own and shared entries, newest first, one page at a time. */
  async listEntries(
    context: CallContext,
    request: ListEntriesRequest,
  ): Promise<ListEntriesResponse> {
    const filters = readEntryFilters(request);
    const pageSize = readPageSize(request.pageSize);
    const after = request.pageToken === '' ? undefined : decodeListToken(request.pageToken);

    return withTransaction(this.pool, async (client) => {
      const callerId = await findUserId(client, context.caller.issuer, context.caller.subject);
      if (callerId === undefined) return { entries: [], nextPageToken: '' };

      const rows = await listVisibleEntries(client, callerId, filters, after, pageSize + 1);
      const page = rows.slice(0, pageSize);
      await audit(
        client,
        context,
        callerId,
        'entry.list',
        page.map((row) => row.id),
      );

      const last = page.at(-1);
      const more = rows.length > pageSize && last !== undefined;
      return {
        entries: page.map(toEntrySummary),
        nextPageToken: more ? encodeListToken({ createdAt: last.created_at_key, id: last.id }) : '',
      };
    });
  }

  /**
   * Ranks the caller's own and shared entries against a text query, in one
   * statement that applies the access rule and the filters. In hybrid mode
   * the ranking fuses full-text rank with embedding similarity.
   */
  async searchEntries(
    context: CallContext,
    request: SearchEntriesRequest,
  ): Promise<SearchEntriesResponse> {
    const query = readSearchQuery(request.query);
    const filters = readEntryFilters(request);
    const pageSize = readPageSize(request.pageSize);
    const capabilities = await this.capabilities.current();
    const fingerprint = searchFingerprint({ query, ...filters, mode: capabilities.mode });
    const after =
      request.pageToken === '' ? undefined : decodeSearchToken(request.pageToken, fingerprint);
    const queryEmbedding =
      capabilities.mode === 'hybrid'
        ? (await embedTexts(this.embedder, [query], capabilities.dimensions))[0]
        : undefined;

    return withTransaction(this.pool, async (client) => {
      const mode =
        capabilities.mode === 'hybrid'
          ? SearchMode.SEARCH_MODE_HYBRID
          : SearchMode.SEARCH_MODE_TEXT;
      const callerId = await findUserId(client, context.caller.issuer, context.caller.subject);
      if (callerId === undefined) return { hits: [], nextPageToken: '', mode };

      const search = {
        callerId,
        textQuery: anyWordQuery(query),
        filters,
        after,
        limit: pageSize + 1,
      };
      if (capabilities.mode === 'hybrid' && capabilities.iterativeScan) {
        await enableIterativeIndexScan(client);
      }
      const rows =
        capabilities.mode === 'hybrid'
          ? await searchHybrid(client, {
              ...search,
              vector: queryEmbedding?.vector,
              model: this.embedder.id,
            })
          : await searchByText(client, search);

      const page = rows.slice(0, pageSize);
      await audit(
        client,
        context,
        callerId,
        'entry.search',
        page.map((row) => row.id),
      );
      const last = page.at(-1);
      const more = rows.length > pageSize && last !== undefined;
      return {
        hits: page.map((row) => ({
          entry: toEntrySummary(row),
          score: row.score,
          snippet: snippetHtml(row.headline),
        })),
        nextPageToken: more
          ? encodeSearchToken({ score: last.score, id: last.id }, fingerprint)
          : '',
        mode,
      };
    });
  }

  async #applyUpdate(
    client: pg.PoolClient,
    context: CallContext,
    ownerId: string,
    current: EntryRow,
    changes: EntryChanges,
    embedding: EntryEmbedding | undefined,
  ): Promise<Entry | undefined> {
    if (changes.sharedWith !== undefined) {
      await checkShareTargets(client, ownerId, changes.sharedWith);
    }
    const row = await updateEntryRow(client, ownerId, current.id, current.revision, changes);
    if (row === undefined) return undefined;

    if (embedding !== undefined) await storeEmbedding(client, row.id, embedding);
    if (changes.sharedWith !== undefined) await replaceShares(client, row.id, changes.sharedWith);
    const shares = await selectShares(client, row.id);
    await audit(client, context, ownerId, 'entry.update', [row.id]);
    return toEntry(row, shares);
  }

  /** Embeds entries when the database stores embeddings; resolves empty in text mode. */
  async #embed(entries: readonly { title: string; tags: readonly string[]; body: string }[]) {
    const capabilities = await this.capabilities.current();
    if (capabilities.mode !== 'hybrid') return [];
    return embedTexts(this.embedder, entries.map(embeddingTextOf), capabilities.dimensions);
  }
}

/**
 * Returns the entry when the caller may see it. An entry that does not exist
 * and one the caller may not see give the same NOT_FOUND, so its existence
 * does not leak.
 */
async function requireVisible(
  client: pg.ClientBase,
  context: CallContext,
  entryId: string,
): Promise<{ callerId: string; row: VisibleEntryRow }> {
  const missing = notFound(`entry ${JSON.stringify(entryId.slice(0, 64))} not found`);
  if (!isUuid(entryId)) throw missing;
  const callerId = await findUserId(client, context.caller.issuer, context.caller.subject);
  if (callerId === undefined) throw missing;

  const row = await selectVisibleEntry(client, callerId, entryId);
  if (row === undefined) throw missing;
  return { callerId, row };
}

/** Returns the entry when the caller owns it; a reader of a shared entry gets PERMISSION_DENIED. */
async function requireOwned(
  client: pg.ClientBase,
  context: CallContext,
  entryId: string,
): Promise<{ callerId: string; row: VisibleEntryRow }> {
  const visible = await requireVisible(client, context, entryId);
  if (!visible.row.owned) {
    throw permissionDenied(
      `entry ${entryId} is shared with you read-only: only its owner may change it`,
    );
  }
  return visible;
}

async function checkShareTargets(
  client: pg.ClientBase,
  ownerId: string,
  userIds: readonly string[],
): Promise<void> {
  if (userIds.includes(ownerId)) {
    throw invalidArgument(
      'shared_with contains the owner: an entry is always visible to its owner',
    );
  }
  const unknown = await findUnknownUsers(client, userIds);
  if (unknown.length > 0) {
    throw invalidArgument(
      `shared_with contains unknown user ${unknown[0]}: share with existing users only`,
    );
  }
}

/** Records that a write created the caller's user row, as EnsureUser does on first login. */
async function auditUserCreated(
  client: pg.ClientBase,
  context: CallContext,
  userId: string,
): Promise<void> {
  await appendAuditEvent(client, {
    actorId: userId,
    actorSubject: context.caller.subject,
    requestId: context.requestId,
    action: 'user.create',
    targetType: 'user',
    targetId: userId,
  });
}

async function audit(
  client: pg.ClientBase,
  context: CallContext,
  actorId: string,
  action: AuditAction,
  entryIds: readonly string[],
): Promise<void> {
  for (const entryId of entryIds) {
    await appendAuditEvent(client, {
      actorId,
      actorSubject: context.caller.subject,
      requestId: context.requestId,
      action,
      targetType: 'entry',
      targetId: entryId,
    });
  }
}

function toEntry(row: EntryRow, sharedWith: readonly string[]): Entry {
  return {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    body: row.body,
    tags: row.tags,
    metadata: row.metadata,
    sharedWith: [...sharedWith],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toEntrySummary(row: Omit<EntryRow, 'body' | 'revision'>): EntrySummary {
  return {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    tags: row.tags,
    metadata: row.metadata,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
