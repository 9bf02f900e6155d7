import { parseArgs } from 'node:util';

import { ConfigError, loadConfig } from '@palisade/config';
import {
  createEmbedder,
  createPool,
  embedderSettings,
  EmbeddingError,
  EmbeddingsUnavailableError,
  reembedEntries,
} from '@palisade/gatekeeper';
import { Type } from 'typebox';

const reembedSettingsSchema = Type.Object({
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    description: 'The database whose entries to re-embed.',
  }),
  ...embedderSettings,
});

/** Raised for invalid command-line options of `palisade reembed`. */
export class ReembedUsageError extends Error {
  readonly code = 'REEMBED_USAGE';
}

/** Destinations of the command's progress lines and error lines. */
export interface ReembedOutput {
  readonly out: (line: string) => void;
  readonly error: (line: string) => void;
}

const processOutput: ReembedOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
};

/**
 * `palisade reembed [--all] [--batch-size N]`: computes entry embeddings with
 * the embedder the environment configures (the gatekeeper's EMBEDDER and
 * EMBEDDING_* variables). By default it embeds only entries that lack an
 * embedding from that embedder, so after changing the embedder it brings
 * every entry into the new vector space, and running it again does nothing.
 * Resolves with the exit code; a failure the operator can fix is written to
 * `output.error`, anything else is thrown.
 */
export async function runReembed(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  output: ReembedOutput = processOutput,
): Promise<number> {
  try {
    const options = parseReembedArgs(args);
    const settings = loadConfig('palisade reembed', reembedSettingsSchema, env);
    const embedder = createEmbedder(settings, 'palisade reembed');
    const pool = createPool({
      connectionString: settings.DATABASE_URL,
      // One connection suits the embedded database too, which has a single backend.
      max: 1,
      statementTimeoutMs: 60_000,
    });

    try {
      const scope = options.all ? ' (all entries)' : '';
      output.out(`re-embedding entries with ${embedder.id}${scope}`);
      const result = await reembedEntries(pool, embedder, { ...options, log: output.out });
      output.out(
        `done: ${result.updated} entries re-embedded, ${result.skipped} changed meanwhile`,
      );
      return 0;
    } finally {
      await pool.end();
    }
  } catch (error) {
    if (!isOperatorError(error)) throw error;
    // A ConfigError's message names the command already.
    output.error(
      error instanceof ConfigError ? error.message : `palisade reembed: ${error.message}`,
    );
    return 1;
  }
}

function isOperatorError(error: unknown): error is Error {
  return (
    error instanceof ReembedUsageError ||
    error instanceof ConfigError ||
    error instanceof EmbeddingError ||
    error instanceof EmbeddingsUnavailableError
  );
}

function parseReembedArgs(args: readonly string[]): { all: boolean; batchSize: number } {
  let values: { all: boolean; 'batch-size': string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        all: { type: 'boolean', default: false },
        'batch-size': { type: 'string', default: '32' },
      },
    }));
  } catch (error) {
    throw new ReembedUsageError(error instanceof Error ? error.message : String(error));
  }

  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    throw new ReembedUsageError('--batch-size must be an integer from 1 to 1000');
  }
  return { all: values.all, batchSize };
}
