import { readFile } from 'node:fs/promises';

import { EmbeddingError, type Embedder } from './embedder.js';

export interface HttpEmbedderOptions {
  /** Full URL of the endpoint, for example `http://127.0.0.1:8080/v1/embeddings`. */
  readonly url: string;
  /** Model name sent in every request. */
  readonly model: string;
  /** File holding the API key, sent as a bearer token; no authorization header when absent. */
  readonly keyFile?: string | undefined;
  /**
   * Vector length to request (the `dimensions` parameter, which models such
   * as text-embedding-3 support). When absent, no length is requested and
   * the model's own length is used.
   */
  readonly dimensions?: number | undefined;
  /** Deadline of one request, in milliseconds. */
  readonly timeoutMs: number;
  /** Characters of each text that are sent; the rest is cut off, so long entries fit the model. */
  readonly maxInputChars: number;
}

interface EmbeddingsResponse {
  readonly data?: unknown;
}

/**
 * Embeds text through an OpenAI-compatible `POST /v1/embeddings` endpoint.
 * The key file is read on every request, so a rotated key takes effect
 * without a restart.
 */
export class HttpEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number | undefined;
  readonly #options: HttpEmbedderOptions;

  constructor(options: HttpEmbedderOptions) {
    this.#options = options;
    this.dimensions = options.dimensions;
    const suffix = options.dimensions === undefined ? '' : `:${options.dimensions}`;
    this.id = `http:${options.model}${suffix}`;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const { url, model, dimensions, timeoutMs, maxInputChars } = this.#options;

    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = await this.#readKey();
    if (key !== undefined) headers['authorization'] = `Bearer ${key}`;
    const body = JSON.stringify({
      model,
      input: texts.map((text) => text.slice(0, maxInputChars)),
      encoding_format: 'float',
      ...(dimensions === undefined ? {} : { dimensions }),
    });

    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new EmbeddingError(`embedding request to ${originOf(url)} failed: ${reasonOf(error)}`, {
        cause: error,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new EmbeddingError(
        `embedding endpoint ${originOf(url)} returned HTTP ${response.status}`,
      );
    }
    return this.#readVectors(await readJson(response, url), texts.length);
  }

  async #readKey(): Promise<string | undefined> {
    const { keyFile } = this.#options;
    if (keyFile === undefined) return undefined;

    let key: string;
    try {
      key = (await readFile(keyFile, 'utf8')).trim();
    } catch (error) {
      throw new EmbeddingError(`cannot read EMBEDDING_KEY_FILE ${keyFile}: ${reasonOf(error)}`, {
        cause: error,
      });
    }
    if (key === '') throw new EmbeddingError(`EMBEDDING_KEY_FILE ${keyFile} is empty`);
    return key;
  }

  #readVectors(response: EmbeddingsResponse, expected: number): number[][] {
    const origin = originOf(this.#options.url);
    const data = response.data;
    if (!Array.isArray(data) || data.length !== expected) {
      throw new EmbeddingError(
        `embedding endpoint ${origin} returned no "data" array of ${expected} items`,
      );
    }

    const vectors: (number[] | undefined)[] = Array.from({ length: expected }, () => undefined);
    data.forEach((item: unknown, position) => {
      const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
      // Servers send `index`; a missing one means the items are in request order.
      const slot = index === undefined ? position : index;
      if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= expected) {
        throw new EmbeddingError(`embedding endpoint ${origin} returned an invalid index`);
      }
      if (!isNumberArray(embedding) || embedding.length === 0) {
        throw new EmbeddingError(
          `embedding endpoint ${origin} returned an embedding that is not an array of numbers`,
        );
      }
      if (this.dimensions !== undefined && embedding.length !== this.dimensions) {
        throw new EmbeddingError(
          `embedding endpoint ${origin} returned ${embedding.length} dimensions; EMBEDDING_DIMENSIONS is ${this.dimensions}`,
        );
      }
      if (vectors[slot] !== undefined) {
        throw new EmbeddingError(`embedding endpoint ${origin} returned duplicate indexes`);
      }
      vectors[slot] = embedding;
    });

    // data has `expected` items and no index repeats, so every slot is filled.
    return vectors as number[][];
  }
}

async function readJson(response: Response, url: string): Promise<EmbeddingsResponse> {
  try {
    const parsed = await response.json();
    if (typeof parsed === 'object' && parsed !== null) return parsed;
  } catch (error) {
    throw new EmbeddingError(`embedding endpoint ${originOf(url)} returned invalid JSON`, {
      cause: error,
    });
  }
  throw new EmbeddingError(
    `embedding endpoint ${originOf(url)} returned JSON that is not an object`,
  );
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'number');
}

/** Returns the URL's origin alone, because a path or query could carry a credential. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  if (error instanceof Error) {
    const cause = (error.cause as { code?: unknown } | undefined)?.code;
    return typeof cause === 'string' ? `${error.message} (${cause})` : error.message;
  }
  return String(error);
}
