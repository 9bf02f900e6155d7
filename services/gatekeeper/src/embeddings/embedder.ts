/**
 * Number of dimensions of the `app.entries.embedding` column (migration
 * 0002_entries). Shorter vectors are zero-padded to it, which leaves their
 * cosine distances unchanged; longer ones cannot be stored.
 */
export const embeddingColumnDimensions = 1024;

/** Turns text into vectors whose cosine distance reflects how related the texts are. */
export interface Embedder {
  /**
   * Name of the vector space, stored with each embedding so that search never
   * compares vectors of two different embedders.
   */
  readonly id: string;
  /** Length of the vectors `embed` returns, or undefined when it is known only from a response. */
  readonly dimensions: number | undefined;
  /** Embeds each text; resolves with one vector per text, in the same order. */
  embed(texts: readonly string[]): Promise<number[][]>;
}

/** Raised when an embedder cannot produce vectors; the message names the embedder and the cause. */
export class EmbeddingError extends Error {
  readonly code = 'EMBEDDING_FAILED';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddingError';
  }
}

/**
 * Formats a vector as a pgvector literal (`[0.1,0.2,…]`) of the column's
 * length. Returns undefined for a zero vector, whose cosine distance to
 * anything is undefined: such text has no features to compare.
 *
 * @throws {EmbeddingError} when the vector is longer than the column or contains
 *   a value that is not a finite number.
 */
export function toVectorLiteral(
  vector: readonly number[],
  dimensions = embeddingColumnDimensions,
): string | undefined {
  if (vector.length > dimensions) {
    throw new EmbeddingError(
      `embedding has ${vector.length} dimensions; the embedding column has ${dimensions}: ` +
        'configure a model or EMBEDDING_DIMENSIONS that fits',
    );
  }
  if (!vector.every((value) => Number.isFinite(value))) {
    throw new EmbeddingError('embedding contains a value that is not a finite number');
  }
  if (vector.every((value) => value === 0)) return undefined;

  const padded = vector.concat(new Array<number>(dimensions - vector.length).fill(0));
  return `[${padded.join(',')}]`;
}
