import {
  displayTextPattern,
  entryLimits,
  metadataFilterLimits,
  SearchMode,
  tagPattern,
  type Entry,
  type EntrySummary,
  type SearchHit,
} from '@palisade/contracts';
import { Type, type Static } from 'typebox';

import { isoTimestamp } from './profile-schema.js';

/** Limits of stored entry metadata, in the form `findMetadataProblem` takes. */
export const entryMetadataLimits = {
  maxBytes: entryLimits.metadataMaxBytes,
  maxDepth: entryLimits.metadataMaxDepth,
  maxKeys: entryLimits.metadataMaxKeys,
} as const;

/** Limits of the `metadata` filter of a list or search, in the form `findMetadataProblem` takes. */
export const metadataFilterFieldLimits = {
  maxBytes: metadataFilterLimits.metadataMaxBytes,
  maxDepth: metadataFilterLimits.metadataMaxDepth,
  maxKeys: metadataFilterLimits.metadataMaxKeys,
} as const;

const tagSchema = Type.String({
  minLength: 1,
  maxLength: entryLimits.tagMaxLength,
  pattern: tagPattern,
});

const entryMetadataSchema = Type.Record(Type.String(), Type.Unknown(), {
  description:
    `Free-form JSON object: at most ${entryLimits.metadataMaxBytes} bytes as JSON, ` +
    `${entryLimits.metadataMaxDepth} levels deep and ${entryLimits.metadataMaxKeys} keys ` +
    'per object. Lists and searches filter it by containment.',
});

const entryFields = {
  title: Type.String({
    minLength: 1,
    maxLength: entryLimits.titleMaxLength,
    pattern: displayTextPattern,
    description: 'One line with a visible character; no control or bidirectional characters.',
  }),
  body: Type.String({
    // Characters never outnumber UTF-8 bytes, so this bounds the work before the byte check.
    maxLength: entryLimits.bodyMaxBytes,
    pattern: '^[^\\u0000]*$',
    description: `Markdown text, at most ${entryLimits.bodyMaxBytes} bytes as UTF-8.`,
  }),
  tags: Type.Array(tagSchema, { maxItems: entryLimits.tagsMaxCount, uniqueItems: true }),
  metadata: entryMetadataSchema,
  sharedWith: Type.Array(Type.String({ format: 'uuid' }), {
    maxItems: entryLimits.sharedWithMaxCount,
    uniqueItems: true,
    description: 'User ids that may read the entry; only the owner may change it.',
  }),
};

/** Body of `POST /api/entries`. */
export const entryCreateSchema = Type.Object(
  {
    title: entryFields.title,
    body: Type.Optional(entryFields.body),
    tags: Type.Optional(entryFields.tags),
    metadata: Type.Optional(entryFields.metadata),
    sharedWith: Type.Optional(entryFields.sharedWith),
  },
  { additionalProperties: false },
);

/** Body of `PATCH /api/entries/{id}`: the fields to change. Absent fields stay as they are. */
export const entryPatchSchema = Type.Object(
  {
    title: Type.Optional(entryFields.title),
    body: Type.Optional(entryFields.body),
    tags: Type.Optional(entryFields.tags),
    metadata: Type.Optional(entryFields.metadata),
    sharedWith: Type.Optional(entryFields.sharedWith),
  },
  { additionalProperties: false, minProperties: 1 },
);

export type EntryCreate = Static<typeof entryCreateSchema>;
export type EntryPatch = Static<typeof entryPatchSchema>;

export const entryIdParamsSchema = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'Entry id.' }) },
  { additionalProperties: false },
);

const filterFields = {
  tag: Type.Optional(
    Type.Array(tagSchema, {
      maxItems: entryLimits.filterTagsMaxCount,
      uniqueItems: true,
      description: 'Only entries carrying this tag; repeat the parameter to require several.',
    }),
  ),
  metadata: Type.Optional(
    Type.String({
      minLength: 2,
      maxLength: 2 * metadataFilterLimits.metadataMaxBytes,
      description:
        'JSON object, URL-encoded: only entries whose metadata contains it, for example ' +
        `\`{"instrument":"hplc"}\`. At most ${metadataFilterLimits.metadataMaxBytes} bytes.`,
    }),
  ),
  limit: Type.Integer({
    minimum: 1,
    maximum: entryLimits.maxPageSize,
    default: entryLimits.defaultPageSize,
  }),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 512,
      pattern: '^[A-Za-z0-9_-]+$',
      description: '`nextCursor` of the previous page.',
    }),
  ),
};

/** Query of `GET /api/entries`. */
export const entryListQuerySchema = Type.Object(filterFields, { additionalProperties: false });

/** Query of `GET /api/entries/search`. */
export const entrySearchQuerySchema = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: entryLimits.queryMaxLength,
      pattern: '\\S',
      description: 'Free text; entries matching any of its words qualify.',
    }),
    ...filterFields,
  },
  { additionalProperties: false },
);

const timestamps = {
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};

/** An entry as the API returns it. */
export const entrySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    ownerId: Type.String({ format: 'uuid', description: 'User id of the owner.' }),
    title: Type.String(),
    body: Type.String(),
    tags: Type.Array(Type.String()),
    metadata: entryMetadataSchema,
    sharedWith: Type.Array(Type.String({ format: 'uuid' }), {
      description: 'Users the entry is shared with; empty unless the caller is the owner.',
    }),
    ...timestamps,
  },
  { additionalProperties: false },
);

/** An entry without its body, as lists and search results carry it. */
export const entrySummarySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    ownerId: Type.String({ format: 'uuid' }),
    title: Type.String(),
    tags: Type.Array(Type.String()),
    metadata: entryMetadataSchema,
    ...timestamps,
  },
  { additionalProperties: false },
);

export const entryPageSchema = Type.Object(
  {
    entries: Type.Array(entrySummarySchema),
    nextCursor: Type.Optional(Type.String({ description: 'Absent on the last page.' })),
  },
  { additionalProperties: false },
);

export const searchPageSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('hybrid'), Type.Literal('text')], {
      description:
        '`hybrid`: full-text rank and vector similarity fused. `text`: full-text rank only, ' +
        'because the database has no pgvector.',
    }),
    results: Type.Array(
      Type.Object(
        {
          entry: entrySummarySchema,
          score: Type.Number({ description: 'Reciprocal rank fusion score; higher is better.' }),
          snippet: Type.String({
            description: 'HTML-escaped excerpt of the body; matched words are inside <mark>.',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    nextCursor: Type.Optional(Type.String({ description: 'Absent on the last page.' })),
  },
  { additionalProperties: false },
);

export type EntryJson = Static<typeof entrySchema>;
export type EntrySummaryJson = Static<typeof entrySummarySchema>;
export type SearchPageJson = Static<typeof searchPageSchema>;

/** Converts a gatekeeper entry to its JSON form. */
export function toEntryJson(entry: Entry): EntryJson {
  return {
    id: entry.id,
    ownerId: entry.ownerId,
    title: entry.title,
    body: entry.body,
    tags: entry.tags,
    metadata: entry.metadata ?? {},
    sharedWith: entry.sharedWith,
    createdAt: isoTimestamp(entry.createdAt, 'Entry.created_at'),
    updatedAt: isoTimestamp(entry.updatedAt, 'Entry.updated_at'),
  };
}

/** Converts a gatekeeper entry summary to its JSON form. */
export function toEntrySummaryJson(entry: EntrySummary): EntrySummaryJson {
  return {
    id: entry.id,
    ownerId: entry.ownerId,
    title: entry.title,
    tags: entry.tags,
    metadata: entry.metadata ?? {},
    createdAt: isoTimestamp(entry.createdAt, 'EntrySummary.created_at'),
    updatedAt: isoTimestamp(entry.updatedAt, 'EntrySummary.updated_at'),
  };
}

/** Converts a search hit to its JSON form. */
export function toSearchResultJson(hit: SearchHit): SearchPageJson['results'][number] {
  if (hit.entry === undefined) throw new Error('The gatekeeper response has no SearchHit.entry');
  return { entry: toEntrySummaryJson(hit.entry), score: hit.score, snippet: hit.snippet };
}

/**
 * Names a search mode as the API does.
 *
 * @throws {Error} for SEARCH_MODE_UNSPECIFIED, which breaks the contract and becomes a 500.
 */
export function searchModeName(mode: SearchMode): SearchPageJson['mode'] {
  if (mode === SearchMode.SEARCH_MODE_HYBRID) return 'hybrid';
  if (mode === SearchMode.SEARCH_MODE_TEXT) return 'text';
  throw new Error(`The gatekeeper response has an unknown search mode ${mode}`);
}
