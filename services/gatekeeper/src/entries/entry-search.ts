import type { ClientBase } from 'pg';

import { visibleToCaller } from './entry-store.js';
import type { EntryFilters } from './entry-validation.js';
import { headlineOptions } from './search-text.js';

/**
 * Entries each ranking contributes to the fusion. A search pages through at
 * most this many text matches and this many nearest vectors.
 */
export const searchCandidates = 200;

/**
 * Rank constant k of reciprocal rank fusion (Cormack, Clarke and Buettcher,
 * SIGIR 2009): an entry scores the sum of 1 / (k + rank) over the rankings it
 * appears in, both rankings weighing the same. A larger k flattens the lead of
 * the first few ranks, so one ranking's top hit cannot outweigh an entry that
 * ranks well in both.
 */
export const fusionRankConstant = 60;

/** Position after which a search page starts: the last hit of the previous page. */
export interface SearchPosition {
  readonly score: number;
  readonly id: string;
}

export interface SearchQuery {
  readonly callerId: string;
  /** Input of websearch_to_tsquery, from {@link anyWordQuery}. */
  readonly textQuery: string;
  readonly filters: EntryFilters;
  readonly after: SearchPosition | undefined;
  readonly limit: number;
}

export interface HybridSearchQuery extends SearchQuery {
  /** pgvector literal of the query's embedding; undefined when the query has no features. */
  readonly vector: string | undefined;
  /** Only embeddings of this embedder are compared with `vector`. */
  readonly model: string;
}

/** One search hit, with the raw ts_headline output as `headline`. */
export interface SearchHitRow {
  readonly id: string;
  readonly owner_id: string;
  readonly title: string;
  readonly tags: string[];
  readonly metadata: Record<string, unknown>;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly score: number;
  readonly headline: string;
}

// Filters shared by both rankings; $1 is the caller, $3 the tags, $4 the metadata.
const filters = `${visibleToCaller} AND e.tags @> $3::text[] AND e.metadata @> $4::jsonb`;

const textRanking = `text_ranked AS (
    SELECT e.id,
           row_number() OVER (ORDER BY ts_rank_cd(e.search_document, q.text_query, 1) DESC, e.id)
             AS rank
      FROM app.entries e CROSS JOIN query q
     WHERE e.search_document @@ q.text_query AND ${filters}
     ORDER BY rank
     LIMIT ${searchCandidates}
  )`;

// The inner ORDER BY … LIMIT is the shape that lets the planner use the HNSW
// index. The outer row_number ranks exactly, because an iterative index scan
// in relaxed order may return neighbours slightly out of order.
const vectorRanking = `vector_ranked AS (
    SELECT nearest.id, row_number() OVER (ORDER BY nearest.distance, nearest.id) AS rank
      FROM (
        SELECT e.id, e.embedding <=> $9::vector AS distance
          FROM app.entries e
         WHERE $9::vector IS NOT NULL AND e.embedding IS NOT NULL
           AND e.embedding_model = $10 AND ${filters}
         ORDER BY e.embedding <=> $9::vector
         LIMIT ${searchCandidates}
      ) nearest
  )`;

function searchStatement(rankings: readonly string[], rankedNames: readonly string[]): string {
  const unions = rankedNames.map((name) => `SELECT id, rank FROM ${name}`).join(' UNION ALL ');
  return `WITH query AS (SELECT websearch_to_tsquery('english', $2) AS text_query),
  ${rankings.join(',\n  ')},
  fused AS (
    SELECT ranks.id, sum(1.0 / (${fusionRankConstant} + ranks.rank))::float8 AS score
      FROM (${unions}) ranks
     GROUP BY ranks.id
  ),
  page AS (
    SELECT f.id, f.score FROM fused f
     WHERE $5::float8 IS NULL OR f.score < $5::float8 OR (f.score = $5::float8 AND f.id > $6::uuid)
     ORDER BY f.score DESC, f.id
     LIMIT $7
  )
SELECT e.id, e.owner_id, e.title, e.tags, e.metadata, e.created_at, e.updated_at, p.score,
       ts_headline('english', e.body, q.text_query, $8) AS headline
  FROM page p JOIN app.entries e ON e.id = p.id CROSS JOIN query q
 ORDER BY p.score DESC, p.id`;
}

const textSearchStatement = searchStatement([textRanking], ['text_ranked']);
const hybridSearchStatement = searchStatement(
  [textRanking, vectorRanking],
  ['text_ranked', 'vector_ranked'],
);

function parametersOf(query: SearchQuery): unknown[] {
  return [
    query.callerId,
    query.textQuery,
    query.filters.tags,
    JSON.stringify(query.filters.metadata),
    query.after?.score ?? null,
    query.after?.id ?? null,
    query.limit,
    headlineOptions,
  ];
}

/**
 * Ranks the entries the caller may see by full-text rank alone, as reciprocal
 * rank fusion of that one ranking, so scores compare with those of hybrid mode.
 */
export async function searchByText(
  client: ClientBase,
  query: SearchQuery,
): Promise<SearchHitRow[]> {
  const result = await client.query<SearchHitRow>(textSearchStatement, parametersOf(query));
  return result.rows;
}

/**
 * Ranks the entries the caller may see by reciprocal rank fusion of their
 * full-text rank and the cosine distance of their embedding to the query's.
 */
export async function searchHybrid(
  client: ClientBase,
  query: HybridSearchQuery,
): Promise<SearchHitRow[]> {
  const result = await client.query<SearchHitRow>(hybridSearchStatement, [
    ...parametersOf(query),
    query.vector ?? null,
    query.model,
  ]);
  return result.rows;
}

/**
 * Lets the HNSW scan of this transaction go on past rows the access and
 * metadata filters reject, until it has enough candidates (pgvector 0.8.0 and
 * later). Without it the index yields at most hnsw.ef_search rows before
 * filtering, and a user with few entries could get no vector candidates.
 */
export async function enableIterativeIndexScan(client: ClientBase): Promise<void> {
  await client.query('SET LOCAL hnsw.iterative_scan = relaxed_order');
  await client.query(`SET LOCAL hnsw.ef_search = ${searchCandidates}`);
}
