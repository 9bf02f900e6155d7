import { entryLimits, type UpdateEntryRequest } from '@palisade/contracts';

import {
  ProblemError,
  problemKinds,
  problemResponse,
  type FieldError,
} from '../problem/problem.js';
import { findMetadataProblem } from './metadata-limits.js';
import {
  entryCreateSchema,
  entryIdParamsSchema,
  entryListQuerySchema,
  entryMetadataLimits,
  entryPageSchema,
  entryPatchSchema,
  entrySchema,
  entrySearchQuerySchema,
  metadataFilterFieldLimits,
  searchModeName,
  searchPageSchema,
  toEntryJson,
  toEntrySummaryJson,
  toSearchResultJson,
  type EntryCreate,
  type EntryPatch,
} from './entry-schema.js';
import {
  bearerSecurity,
  callContextOf,
  type RouteDependencies,
  type TypedApp,
} from './route-context.js';
import { canonicalUuid } from '../http/uuid.js';

/**
 * Largest request body of an entry write, in bytes: room for a Markdown body at its byte limit
 * with its JSON escapes, next to metadata at its limit. Other routes keep the app-wide limit.
 */
const entryWriteBodyLimitBytes = 4 * entryLimits.bodyMaxBytes;

/**
 * Maximum wait for a gatekeeper call that computes an embedding, in milliseconds. An embedding
 * endpoint may take seconds; the request budget still caps it.
 */
const embeddingCallTimeoutMs = 15_000;

/** Field mask names of the gatekeeper's UpdateEntry, by body property. */
const updateMaskNames: Readonly<Record<keyof EntryPatch, string>> = {
  title: 'title',
  body: 'body',
  tags: 'tags',
  metadata: 'metadata',
  sharedWith: 'shared_with',
};

const errorResponses = {
  401: problemResponse('Missing or invalid access token.'),
  503: problemResponse('Gatekeeper, embedder or identity provider unavailable.'),
  504: problemResponse('Gatekeeper timed out.'),
};
const invalidInput = { 400: problemResponse('Invalid input; `errors` names each field at fault.') };
const writeErrors = {
  ...invalidInput,
  413: problemResponse('Body too large.'),
  415: problemResponse('Body is not JSON.'),
};
const missing = { 404: problemResponse('No such entry, or it is not shared with the caller.') };
const readOnly = { 403: problemResponse('The entry is shared with the caller read-only.') };

/**
 * Registers the notebook entry routes. Any authenticated user may call them, and the gatekeeper
 * decides per entry: the owner reads and writes, users it is shared with read, and other users
 * get 404.
 */
export function registerEntriesRoutes(app: TypedApp, deps: RouteDependencies): void {
  app.post(
    '/api/entries',
    {
      onRequest: deps.policies.authenticated,
      bodyLimit: entryWriteBodyLimitBytes,
      preHandler: (request) => checkEntryBody(request.body),
      schema: {
        summary: 'Creates an entry owned by the caller',
        tags: ['entries'],
        security: bearerSecurity,
        body: entryCreateSchema,
        response: { 201: entrySchema, ...writeErrors, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const context = callContextOf(request, reply, deps.timeouts, embeddingCallTimeoutMs);
      const entry = await deps.gatekeeper.createEntry(context, {
        title: body.title,
        body: body.body ?? '',
        tags: body.tags ?? [],
        metadata: body.metadata ?? {},
        sharedWith: (body.sharedWith ?? []).map(canonicalUuid),
      });
      void reply.code(201).header('location', `/api/entries/${entry.id}`);
      return toEntryJson(entry);
    },
  );

  app.get(
    '/api/entries',
    {
      onRequest: deps.policies.authenticated,
      schema: {
        summary: "Lists the caller's own and shared entries, newest first",
        tags: ['entries'],
        security: bearerSecurity,
        querystring: entryListQuerySchema,
        response: { 200: entryPageSchema, ...invalidInput, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tag, metadata, limit, cursor } = request.query;
      const context = callContextOf(request, reply, deps.timeouts);
      const page = await deps.gatekeeper.listEntries(context, {
        tags: tag ?? [],
        metadata: parseMetadataFilter(metadata),
        pageSize: limit,
        pageToken: cursor ?? '',
      });

      const entries = page.entries.map(toEntrySummaryJson);
      return page.nextPageToken === '' ? { entries } : { entries, nextCursor: page.nextPageToken };
    },
  );

  app.get(
    '/api/entries/search',
    {
      onRequest: deps.policies.authenticated,
      schema: {
        summary: "Ranks the caller's own and shared entries against a text query",
        description:
          'Full-text rank and vector similarity, fused by reciprocal rank fusion (`mode: hybrid`), ' +
          'or full-text rank alone on a database without pgvector (`mode: text`).',
        tags: ['entries'],
        security: bearerSecurity,
        querystring: entrySearchQuerySchema,
        response: { 200: searchPageSchema, ...invalidInput, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { q, tag, metadata, limit, cursor } = request.query;
      const context = callContextOf(request, reply, deps.timeouts, embeddingCallTimeoutMs);
      const page = await deps.gatekeeper.searchEntries(context, {
        query: q,
        tags: tag ?? [],
        metadata: parseMetadataFilter(metadata),
        pageSize: limit,
        pageToken: cursor ?? '',
      });

      const mode = searchModeName(page.mode);
      const results = page.hits.map(toSearchResultJson);
      return page.nextPageToken === ''
        ? { mode, results }
        : { mode, results, nextCursor: page.nextPageToken };
    },
  );

  app.get(
    '/api/entries/:id',
    {
      onRequest: deps.policies.authenticated,
      schema: {
        summary: 'Returns an entry the caller owns or that is shared with the caller',
        tags: ['entries'],
        security: bearerSecurity,
        params: entryIdParamsSchema,
        response: { 200: entrySchema, ...invalidInput, ...missing, ...errorResponses },
      },
    },
    async (request, reply) => {
      const context = callContextOf(request, reply, deps.timeouts);
      return toEntryJson(
        await deps.gatekeeper.getEntry(context, { id: canonicalUuid(request.params.id) }),
      );
    },
  );

  app.patch(
    '/api/entries/:id',
    {
      onRequest: deps.policies.authenticated,
      bodyLimit: entryWriteBodyLimitBytes,
      preHandler: (request) => checkEntryBody(request.body),
      schema: {
        summary: 'Changes the given fields of an entry the caller owns',
        description: 'Fields left out stay unchanged; `tags`, `metadata` and `sharedWith` replace.',
        tags: ['entries'],
        security: bearerSecurity,
        params: entryIdParamsSchema,
        body: entryPatchSchema,
        response: {
          200: entrySchema,
          ...writeErrors,
          ...readOnly,
          ...missing,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const update = toUpdateEntryRequest(canonicalUuid(request.params.id), request.body);
      const context = callContextOf(request, reply, deps.timeouts, embeddingCallTimeoutMs);
      return toEntryJson(await deps.gatekeeper.updateEntry(context, update));
    },
  );

  app.delete(
    '/api/entries/:id',
    {
      onRequest: deps.policies.authenticated,
      schema: {
        summary: 'Deletes an entry the caller owns',
        tags: ['entries'],
        security: bearerSecurity,
        params: entryIdParamsSchema,
        response: {
          204: { description: 'Deleted.', type: 'null' },
          ...invalidInput,
          ...readOnly,
          ...missing,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const context = callContextOf(request, reply, deps.timeouts);
      await deps.gatekeeper.deleteEntry(context, { id: canonicalUuid(request.params.id) });
      return reply.code(204).send(null);
    },
  );
}

/** Rejects a body or metadata over the limits that the schema alone cannot express. */
function checkEntryBody(entry: EntryCreate | EntryPatch): Promise<void> {
  const problem = findEntryProblem(entry);
  if (problem === undefined) return Promise.resolve();

  const detail = `${problem.field} ${problem.message}`;
  return Promise.reject(new ProblemError(problemKinds.validation, detail, { errors: [problem] }));
}

function findEntryProblem(entry: EntryCreate | EntryPatch): FieldError | undefined {
  if (entry.body !== undefined) {
    const bytes = Buffer.byteLength(entry.body, 'utf8');
    if (bytes > entryLimits.bodyMaxBytes) {
      return {
        field: '/body',
        message: `must not exceed ${entryLimits.bodyMaxBytes} bytes as UTF-8 (it has ${bytes})`,
      };
    }
  }
  if (entry.metadata === undefined) return undefined;
  return findMetadataProblem(entry.metadata, '/metadata', entryMetadataLimits);
}

/**
 * Parses the `metadata` query parameter: a JSON object within the filter limits.
 *
 * @throws {ProblemError} 400 naming the `metadata` parameter otherwise.
 */
export function parseMetadataFilter(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw metadataFilterError({ field: 'metadata', message: 'must be a JSON object' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw metadataFilterError({ field: 'metadata', message: 'must be a JSON object' });
  }

  const problem = findMetadataProblem(value, 'metadata', metadataFilterFieldLimits);
  if (problem !== undefined) throw metadataFilterError(problem);
  return value as Record<string, unknown>;
}

function metadataFilterError(problem: FieldError): ProblemError {
  return new ProblemError(problemKinds.validation, `${problem.field} ${problem.message}`, {
    errors: [problem],
  });
}

/** Converts a validated patch into an UpdateEntry request whose mask lists the given fields. */
export function toUpdateEntryRequest(id: string, patch: EntryPatch): UpdateEntryRequest {
  const fields = (Object.keys(updateMaskNames) as (keyof EntryPatch)[]).filter(
    (field) => patch[field] !== undefined,
  );
  return {
    id,
    updateMask: fields.map((field) => updateMaskNames[field]),
    title: patch.title,
    body: patch.body,
    tags: patch.tags ?? [],
    metadata: patch.metadata,
    sharedWith: (patch.sharedWith ?? []).map(canonicalUuid),
  };
}
