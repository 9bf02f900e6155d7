import { ConfigError } from '@palisade/config';
import { Type, type Static } from 'typebox';

import { embeddingColumnDimensions, type Embedder } from './embedder.js';
import { HttpEmbedder } from './http-embedder.js';
import { LocalEmbedder } from './local-embedder.js';

/**
 * Variables that choose and configure the embedder, shared by the gatekeeper
 * and `palisade reembed`, which must agree on it.
 */
export const embedderSettings = {
  EMBEDDER: Type.Union([Type.Literal('local'), Type.Literal('http')], {
    default: 'local',
    description:
      '`local`: built-in lexical embedder (hashed word and character n-grams), no network. ' +
      '`http`: an OpenAI-compatible embeddings endpoint (EMBEDDING_URL).',
  }),
  EMBEDDING_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        'Full URL of the embeddings endpoint, for example http://127.0.0.1:8080/v1/embeddings.',
    }),
  ),
  EMBEDDING_MODEL: Type.Optional(
    Type.String({ minLength: 1, description: 'Model name sent to the embeddings endpoint.' }),
  ),
  EMBEDDING_KEY_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'File holding the API key of the embeddings endpoint; read on every request.',
    }),
  ),
  EMBEDDING_DIMENSIONS: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: embeddingColumnDimensions,
      description: `Vector length to request from the endpoint, at most ${embeddingColumnDimensions}; unset sends none.`,
    }),
  ),
  EMBEDDING_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: 10_000,
    description: 'Deadline of one embeddings request, in milliseconds.',
  }),
  EMBEDDING_MAX_INPUT_CHARS: Type.Integer({
    minimum: 100,
    maximum: 1_000_000,
    default: 8000,
    description: 'Characters of each text sent to the endpoint; longer text is cut off.',
  }),
};

/** The embedder settings alone, as a configuration schema. */
export const embedderSettingsSchema = Type.Object(embedderSettings);

/** Embedder settings as loaded by `loadConfig`. */
export type EmbedderSettings = Static<typeof embedderSettingsSchema>;

/**
 * Creates the embedder the settings name.
 *
 * @throws {ConfigError} when EMBEDDER is `http` but EMBEDDING_URL or EMBEDDING_MODEL is missing.
 */
export function createEmbedder(settings: EmbedderSettings, service: string): Embedder {
  if (settings.EMBEDDER === 'local') return new LocalEmbedder();

  const problems: string[] = [];
  if (settings.EMBEDDING_URL === undefined) {
    problems.push('EMBEDDING_URL is missing: EMBEDDER=http needs the endpoint URL');
  }
  if (settings.EMBEDDING_MODEL === undefined) {
    problems.push('EMBEDDING_MODEL is missing: EMBEDDER=http needs a model name');
  }
  if (settings.EMBEDDING_URL === undefined || settings.EMBEDDING_MODEL === undefined) {
    throw new ConfigError(service, problems);
  }

  return new HttpEmbedder({
    url: settings.EMBEDDING_URL,
    model: settings.EMBEDDING_MODEL,
    keyFile: settings.EMBEDDING_KEY_FILE,
    dimensions: settings.EMBEDDING_DIMENSIONS,
    timeoutMs: settings.EMBEDDING_TIMEOUT_MS,
    maxInputChars: settings.EMBEDDING_MAX_INPUT_CHARS,
  });
}
