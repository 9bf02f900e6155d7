import type pg from 'pg';
import type { Logger } from 'pino';

import type { Embedder } from '../embeddings/embedder.js';

/**
 * How entry search works on this database. `hybrid` fuses full-text rank and
 * vector similarity. `text` ranks by full text only, because pgvector was
 * missing when the database was migrated and `app.entries` has no
 * `embedding` column.
 */
export type SearchCapabilities =
  | { readonly mode: 'text' }
  | {
      readonly mode: 'hybrid';
      /** Length of the embedding column's vectors. */
      readonly dimensions: number;
      /** Whether pgvector can continue an HNSW scan past filtered-out rows (0.8.0 and later). */
      readonly iterativeScan: boolean;
    };

/** Raised when the database has not been migrated far enough for entries. */
export class EntriesSchemaMissingError extends Error {
  readonly code = 'ENTRIES_SCHEMA_MISSING';
}

/**
 * Reads the search capabilities from the schema: the mode follows from
 * whether the embedding column exists.
 */
export async function detectSearchCapabilities(
  client: pg.Pool | pg.ClientBase,
): Promise<SearchCapabilities> {
  const result = await client.query<{
    has_table: boolean;
    dimensions: number | null;
    version: string | null;
  }>(
    `SELECT to_regclass('app.entries') IS NOT NULL AS has_table,
            (SELECT a.atttypmod FROM pg_attribute a
              WHERE a.attrelid = to_regclass('app.entries')
                AND a.attname = 'embedding' AND NOT a.attisdropped) AS dimensions,
            (SELECT x.extversion FROM pg_extension x WHERE x.extname = 'vector') AS version`,
  );
  const row = result.rows[0];
  if (row?.has_table !== true) {
    throw new EntriesSchemaMissingError(
      'table app.entries is missing: run `palisade migrate` before starting the gatekeeper',
    );
  }
  if (row.dimensions === null || row.version === null) return { mode: 'text' };
  return {
    mode: 'hybrid',
    dimensions: row.dimensions,
    iterativeScan: versionAtLeast(row.version, [0, 8, 0]),
  };
}

/**
 * Detects the search capabilities once and keeps them for the life of the
 * process. A failed detection, such as an unreachable database, is retried on
 * the next call. The mode is logged once, when first detected.
 */
export class SearchCapabilitiesProbe {
  #detected: Promise<SearchCapabilities> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly embedder: Embedder,
    private readonly logger: Logger,
  ) {}

  current(): Promise<SearchCapabilities> {
    this.#detected ??= detectSearchCapabilities(this.pool).then(
      (capabilities) => {
        this.#log(capabilities);
        return capabilities;
      },
      (error: unknown) => {
        this.#detected = undefined;
        throw error;
      },
    );
    return this.#detected;
  }

  #log(capabilities: SearchCapabilities): void {
    if (capabilities.mode === 'hybrid') {
      this.logger.info(
        {
          mode: capabilities.mode,
          embedder: this.embedder.id,
          dimensions: capabilities.dimensions,
          iterative_scan: capabilities.iterativeScan,
        },
        'entry search mode detected',
      );
      return;
    }
    this.logger.warn(
      {
        mode: capabilities.mode,
        reason: 'app.entries has no embedding column: pgvector was missing at migration time',
        fix: 'install pgvector, run SELECT app.enable_entry_embeddings(), then palisade reembed, then restart',
      },
      'entry search mode detected: full text only',
    );
  }
}

function versionAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10));
  for (const [index, wanted] of minimum.entries()) {
    const actual = parts[index] ?? 0;
    if (Number.isNaN(actual)) return false;
    if (actual !== wanted) return actual > wanted;
  }
  return true;
}
