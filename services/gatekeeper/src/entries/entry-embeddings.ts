import type { ClientBase } from 'pg';

import { EmbeddingError, toVectorLiteral, type Embedder } from '../embeddings/embedder.js';
import { GatekeeperError } from '../errors.js';

/** The parts of an entry that its embedding represents. */
export interface EmbeddedText {
  readonly title: string;
  readonly tags: readonly string[];
  readonly body: string;
}

/** A computed embedding, ready to store: the pgvector literal, or undefined for a zero vector. */
export interface EntryEmbedding {
  readonly vector: string | undefined;
  readonly model: string;
}

/** Builds the text an entry's embedding is computed from: title, tags, then body. */
export function embeddingTextOf(entry: EmbeddedText): string {
  return `${entry.title}\n${entry.tags.join(' ')}\n${entry.body}`;
}

/**
 * Embeds texts for the embedding column of `dimensions`.
 *
 * @throws {EmbeddingError} when the embedder fails or returns vectors that do not fit.
 */
export async function computeEmbeddings(
  embedder: Embedder,
  texts: readonly string[],
  dimensions: number,
): Promise<EntryEmbedding[]> {
  const vectors = await embedder.embed(texts);
  return vectors.map((vector) => ({
    vector: toVectorLiteral(vector, dimensions),
    model: embedder.id,
  }));
}

/**
 * Embeds texts like {@link computeEmbeddings}, for a business function.
 *
 * @throws {GatekeeperError} UNAVAILABLE when the embedder fails; the cause is kept for the log.
 */
export async function embedTexts(
  embedder: Embedder,
  texts: readonly string[],
  dimensions: number,
): Promise<EntryEmbedding[]> {
  try {
    return await computeEmbeddings(embedder, texts, dimensions);
  } catch (error) {
    if (!(error instanceof EmbeddingError)) throw error;
    throw new GatekeeperError('UNAVAILABLE', 'embedding service unavailable, retry later', {
      cause: error,
    });
  }
}

/**
 * Stores an entry's embedding. With `revision`, it stores only while the
 * entry is still at that revision, so a slow embedding never overwrites the
 * one of a newer change. Returns false when no row matched.
 */
export async function storeEmbedding(
  client: ClientBase,
  entryId: string,
  embedding: EntryEmbedding,
  revision?: number,
): Promise<boolean> {
  const result = await client.query(
    `UPDATE app.entries SET embedding = $2::vector, embedding_model = $3
      WHERE id = $1 AND ($4::integer IS NULL OR revision = $4::integer)`,
    [entryId, embedding.vector ?? null, embedding.model, revision ?? null],
  );
  return result.rowCount === 1;
}
