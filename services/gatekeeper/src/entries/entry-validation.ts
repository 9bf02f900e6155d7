import {
  forbiddenDisplayCharacter,
  hasVisibleCharacter,
  checkMetadataLimits,
  entryLimits,
  entryUpdateFields,
  metadataFilterLimits,
  tagPattern,
  type CreateEntryRequest,
  type ListEntriesRequest,
  type SearchEntriesRequest,
  type UpdateEntryRequest,
} from '@palisade/contracts';

import { invalidArgument } from '../errors.js';
import { isUuid } from '../users/uuid.js';

/** The content of a new entry, checked against the entry limits. */
export interface EntryDraft {
  readonly title: string;
  readonly body: string;
  readonly tags: readonly string[];
  readonly metadata: Record<string, unknown>;
  readonly sharedWith: readonly string[];
}

/** The entry fields an update changes, each present only when it is changed. */
export type EntryChanges = Partial<EntryDraft>;

/** Filters of a list or search: every tag must be on the entry, and its metadata must contain `metadata`. */
export interface EntryFilters {
  readonly tags: readonly string[];
  readonly metadata: Record<string, unknown>;
}

const tag = new RegExp(tagPattern);

/**
 * Checks a CreateEntry request and returns the entry it describes. The web
 * tier validated already; the gatekeeper checks again because it trusts no
 * caller's validation.
 */
export function readEntryDraft(request: CreateEntryRequest): EntryDraft {
  return {
    title: checkTitle(request.title),
    body: checkBody(request.body),
    tags: checkTags(request.tags, 'tags', entryLimits.tagsMaxCount),
    metadata: checkMetadata(request.metadata ?? {}),
    sharedWith: checkSharedWith(request.sharedWith),
  };
}

/** Checks an UpdateEntry request and returns the changes its update mask names. */
export function readEntryChanges(request: UpdateEntryRequest): EntryChanges {
  const mask = request.updateMask;
  if (mask.length === 0) {
    throw invalidArgument(
      `update_mask is empty: name at least one of ${entryUpdateFields.join(', ')}`,
    );
  }
  for (const field of mask) {
    if (!(entryUpdateFields as readonly string[]).includes(field)) {
      throw invalidArgument(
        `update_mask contains unknown field "${field}": use ${entryUpdateFields.join(', ')}`,
      );
    }
  }
  if (new Set(mask).size !== mask.length) {
    throw invalidArgument('update_mask names a field more than once');
  }

  const changes: { -readonly [K in keyof EntryChanges]: EntryChanges[K] } = {};
  if (mask.includes('title')) changes.title = checkTitle(requireSet(request.title, 'title'));
  if (mask.includes('body')) changes.body = checkBody(requireSet(request.body, 'body'));
  if (mask.includes('tags')) {
    changes.tags = checkTags(request.tags, 'tags', entryLimits.tagsMaxCount);
  }
  if (mask.includes('metadata')) {
    changes.metadata = checkMetadata(requireSet(request.metadata, 'metadata'));
  }
  if (mask.includes('shared_with')) changes.sharedWith = checkSharedWith(request.sharedWith);
  return changes;
}

/** Checks the tag and metadata filters of a list or search request. */
export function readEntryFilters(request: ListEntriesRequest | SearchEntriesRequest): EntryFilters {
  const metadata = request.metadata ?? {};
  const problem = checkMetadataLimits(metadata, metadataFilterLimits, 'metadata filter');
  if (problem !== undefined) throw invalidArgument(problem);

  return {
    tags: checkTags(request.tags, 'tags filter', entryLimits.filterTagsMaxCount),
    metadata,
  };
}

/** Checks a search query: not blank, at most the query length limit. */
export function readSearchQuery(query: string): string {
  if (query.trim() === '') throw invalidArgument('query is empty: send the text to search for');
  const length = codePointCount(query);
  if (length > entryLimits.queryMaxLength) {
    throw invalidArgument(
      `query is ${length} characters; the limit is ${entryLimits.queryMaxLength}`,
    );
  }
  if (query.includes('\u0000')) throw invalidArgument('query contains a NUL character');
  return query;
}

/** Returns the requested page size, or the default when the request sets 0. */
export function readPageSize(pageSize: number): number {
  const size = pageSize === 0 ? entryLimits.defaultPageSize : pageSize;
  if (!Number.isInteger(size) || size < 1 || size > entryLimits.maxPageSize) {
    throw invalidArgument(
      `page_size ${pageSize} is out of range: use 1 to ${entryLimits.maxPageSize}`,
    );
  }
  return size;
}

/** Tells whether a change alters the text that an entry's embedding is computed from. */
export function changesEmbeddedText(changes: EntryChanges): boolean {
  return changes.title !== undefined || changes.body !== undefined || changes.tags !== undefined;
}

function requireSet<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw invalidArgument(`${field} is in update_mask but not set`);
  return value;
}

function checkTitle(title: string): string {
  if (!hasVisibleCharacter(title)) throw invalidArgument('title is empty: give the entry a title');
  const length = codePointCount(title);
  if (length > entryLimits.titleMaxLength) {
    throw invalidArgument(
      `title is ${length} characters; the limit is ${entryLimits.titleMaxLength}`,
    );
  }
  const forbidden = forbiddenDisplayCharacter(title);
  if (forbidden !== undefined) {
    throw invalidArgument(
      `title contains ${forbidden}, a control or formatting character: remove it`,
    );
  }
  return title;
}

/**
 * Counts characters as Unicode code points, as JSON Schema's maxLength and
 * PostgreSQL's char_length do, so all three agree on a limit.
 */
function codePointCount(text: string): number {
  return [...text].length;
}

function checkBody(body: string): string {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > entryLimits.bodyMaxBytes) {
    throw invalidArgument(`body is ${bytes} bytes; the limit is ${entryLimits.bodyMaxBytes}`);
  }
  if (body.includes('\u0000')) throw invalidArgument('body contains a NUL character');
  return body;
}

function checkTags(tags: readonly string[], field: string, maxCount: number): string[] {
  if (tags.length > maxCount) {
    throw invalidArgument(`${field} has ${tags.length} tags; the limit is ${maxCount}`);
  }
  for (const value of tags) {
    if (value.length > entryLimits.tagMaxLength || !tag.test(value)) {
      throw invalidArgument(
        `${field} contains ${JSON.stringify(value.slice(0, 50))}: a tag is 1 to ` +
          `${entryLimits.tagMaxLength} lower-case letters, digits, '.', '_' or '-'`,
      );
    }
  }
  if (new Set(tags).size !== tags.length) throw invalidArgument(`${field} repeats a tag`);
  return [...tags];
}

function checkMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const problem = checkMetadataLimits(metadata, entryLimits, 'metadata');
  if (problem !== undefined) throw invalidArgument(problem);
  return metadata;
}

function checkSharedWith(userIds: readonly string[]): string[] {
  if (userIds.length > entryLimits.sharedWithMaxCount) {
    throw invalidArgument(
      `shared_with has ${userIds.length} users; the limit is ${entryLimits.sharedWithMaxCount}`,
    );
  }
  for (const userId of userIds) {
    if (!isUuid(userId)) {
      throw invalidArgument(
        `shared_with contains ${JSON.stringify(userId.slice(0, 50))}: not a user id`,
      );
    }
  }
  const canonical = userIds.map((userId) => userId.toLowerCase());
  if (new Set(canonical).size !== canonical.length) {
    throw invalidArgument('shared_with names a user more than once');
  }
  return canonical;
}
