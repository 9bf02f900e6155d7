import type pg from 'pg';

import { withTransaction } from '../db/pool.js';
import type { Embedder } from '../embeddings/embedder.js';
import {
  computeEmbeddings,
  embeddingTextOf,
  storeEmbedding,
  type EntryEmbedding,
} from './entry-embeddings.js';
import { detectSearchCapabilities } from './search-capabilities.js';

export interface ReembedOptions {
  /** Re-embeds every entry, not only those without an embedding of this embedder. */
  readonly all?: boolean;
  /** Entries embedded per embedder call and per transaction. */
  readonly batchSize?: number;
  /** Receives a progress line after each batch. */
  readonly log?: (line: string) => void;
}

export interface ReembedResult {
  /** Entries whose embedding was replaced. */
  readonly updated: number;
  /** Entries that changed while being embedded; their writer stored a fresh embedding. */
  readonly skipped: number;
}

/** Raised when the database has no embedding column, so there is nothing to re-embed. */
export class EmbeddingsUnavailableError extends Error {
  readonly code = 'EMBEDDINGS_UNAVAILABLE';
}

interface PendingEntry {
  readonly id: string;
  readonly title: string;
  readonly tags: string[];
  readonly body: string;
  readonly revision: number;
}

const defaultBatchSize = 32;

/**
 * Computes the embedding of every entry that lacks one from `embedder`, or
 * of every entry with `all`, in batches ordered by id. An entry that changes
 * meanwhile is skipped, because the write that changed it stored its own
 * embedding. Entry text goes to the embedder exactly as on a write.
 *
 * @throws {EmbeddingsUnavailableError} when the database runs in text-only search mode.
 * @throws {EmbeddingError} when the embedder fails; entries of earlier batches keep their
 *   new embeddings, and running again continues where it stopped.
 */
export async function reembedEntries(
  pool: pg.Pool,
  embedder: Embedder,
  options: ReembedOptions = {},
): Promise<ReembedResult> {
  const capabilities = await detectSearchCapabilities(pool);
  if (capabilities.mode !== 'hybrid') {
    throw new EmbeddingsUnavailableError(
      'app.entries has no embedding column because pgvector was missing at migration time: ' +
        'install pgvector, run SELECT app.enable_entry_embeddings(), then run reembed again',
    );
  }

  const batchSize = options.batchSize ?? defaultBatchSize;
  let after = '00000000-0000-0000-0000-000000000000';
  let updated = 0;
  let skipped = 0;
  for (;;) {
    const batch = await selectPending(pool, embedder.id, options.all === true, after, batchSize);
    const last = batch.at(-1);
    if (last === undefined) break;

    const embeddings = await computeEmbeddings(
      embedder,
      batch.map(embeddingTextOf),
      capabilities.dimensions,
    );
    const stored = await storeBatch(pool, batch, embeddings);
    updated += stored;
    skipped += batch.length - stored;
    after = last.id;
    options.log?.(`re-embedded ${updated} entries, skipped ${skipped}`);
  }
  return { updated, skipped };
}

async function selectPending(
  pool: pg.Pool,
  model: string,
  all: boolean,
  after: string,
  limit: number,
): Promise<PendingEntry[]> {
  const result = await pool.query<PendingEntry>(
    `SELECT id, title, tags, body, revision
       FROM app.entries
      WHERE id > $3::uuid AND ($2 OR embedding_model IS DISTINCT FROM $1)
      ORDER BY id
      LIMIT $4`,
    [model, all, after, limit],
  );
  return result.rows;
}

function storeBatch(
  pool: pg.Pool,
  batch: readonly PendingEntry[],
  embeddings: readonly EntryEmbedding[],
): Promise<number> {
  return withTransaction(pool, async (client) => {
    let stored = 0;
    for (const [index, entry] of batch.entries()) {
      const embedding = embeddings[index];
      if (embedding === undefined) continue;
      if (await storeEmbedding(client, entry.id, embedding, entry.revision)) stored += 1;
    }
    return stored;
  });
}
