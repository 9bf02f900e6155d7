import type { MetadataLimits } from './profile-limits.js';

/**
 * Limits on notebook entries and their search, enforced by the web tier's
 * request schemas and again by the gatekeeper, so neither trusts the other's
 * validation.
 */
export const entryLimits = {
  /** Maximum length of a title, in characters (Unicode code points). */
  titleMaxLength: 200,
  /** Maximum size of the Markdown body, in UTF-8 bytes. */
  bodyMaxBytes: 32_768,
  tagsMaxCount: 20,
  tagMaxLength: 40,
  /** Maximum number of users one entry is shared with. */
  sharedWithMaxCount: 50,
  /** Maximum size of `metadata` serialised as JSON, in UTF-8 bytes. */
  metadataMaxBytes: 8192,
  /** Maximum nesting depth of `metadata`; the top-level object is depth 1. */
  metadataMaxDepth: 5,
  /** Maximum number of keys in any one object inside `metadata`. */
  metadataMaxKeys: 50,
  /** Maximum length of a search query, in characters (Unicode code points). */
  queryMaxLength: 500,
  /** Maximum number of tags one list or search filters by. */
  filterTagsMaxCount: 10,
  defaultPageSize: 20,
  maxPageSize: 100,
} as const satisfies MetadataLimits & Record<string, number>;

/**
 * Limits of the metadata filter of a list or search. The filter is matched by
 * JSONB containment, so it needs no more room than stored metadata.
 */
export const metadataFilterLimits: MetadataLimits = {
  metadataMaxBytes: 1024,
  metadataMaxDepth: entryLimits.metadataMaxDepth,
  metadataMaxKeys: 20,
};

/** A tag: lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export const tagPattern = '^[a-z0-9][a-z0-9._-]*$';

/** Entry fields that UpdateEntry accepts in `update_mask`. */
export const entryUpdateFields = ['title', 'body', 'tags', 'metadata', 'shared_with'] as const;
