import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '@palisade/config';
import {
  createEmbedder,
  EmbeddingError,
  HttpEmbedder,
  LocalEmbedder,
  type HttpEmbedderOptions,
} from '@palisade/gatekeeper';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startEmbeddingsServer, type EmbeddingsServer } from './embeddings-server.js';

let server: EmbeddingsServer;
let directory: string;
let keyFile: string;

beforeAll(async () => {
  server = await startEmbeddingsServer(384);
  directory = await mkdtemp(join(tmpdir(), 'palisade-embedder-'));
  keyFile = join(directory, 'key');
  await writeFile(keyFile, 'first-key\n');
});

afterAll(async () => {
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

afterEach(() => {
  server.requests.length = 0;
  server.key = undefined;
  server.next = undefined;
});

function embedder(options: Partial<HttpEmbedderOptions> = {}): HttpEmbedder {
  return new HttpEmbedder({
    url: server.url,
    model: 'test-model',
    timeoutMs: 2000,
    maxInputChars: 8000,
    ...options,
  });
}

describe('HttpEmbedder', () => {
  it('returns one vector per text in request order', async () => {
    const texts = ['caffeine calibration', 'lysozyme crystals', 'agarose gel'];
    const vectors = await embedder().embed(texts);
    expect(vectors).toEqual(await new LocalEmbedder(384).embed(texts));
  });

  it('sends the model, the input and the requested dimensions', async () => {
    await embedder({ dimensions: 384 }).embed(['a text']);
    expect(server.requests[0]?.path).toBe('/v1/embeddings');
    expect(server.requests[0]?.body).toEqual({
      model: 'test-model',
      input: ['a text'],
      encoding_format: 'float',
      dimensions: 384,
    });
  });

  it('sends no dimensions when none are configured', async () => {
    await embedder().embed(['a text']);
    expect(server.requests[0]?.body.dimensions).toBeUndefined();
  });

  it('sends the key from the key file as a bearer token', async () => {
    server.key = 'first-key';
    await embedder({ keyFile }).embed(['a text']);
    expect(server.requests[0]?.authorization).toBe('Bearer first-key');
  });

  it('reads a rotated key without a restart', async () => {
    const rotating = join(directory, 'rotating-key');
    await writeFile(rotating, 'old-key');
    const client = embedder({ keyFile: rotating });
    await client.embed(['one']);
    await writeFile(rotating, 'new-key');
    await client.embed(['two']);
    expect(server.requests.map((request) => request.authorization)).toEqual([
      'Bearer old-key',
      'Bearer new-key',
    ]);
  });

  it('sends no authorization without a key file', async () => {
    await embedder().embed(['a text']);
    expect(server.requests[0]?.authorization).toBeUndefined();
  });

  it('cuts long input to the character limit', async () => {
    await embedder({ maxInputChars: 5 }).embed(['abcdefghij']);
    expect(server.requests[0]?.body.input).toEqual(['abcde']);
  });

  it('sends no request for no texts', async () => {
    expect(await embedder().embed([])).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('names the vector space by model and dimensions', () => {
    expect(embedder().id).toBe('http:test-model');
    expect(embedder({ dimensions: 256 }).id).toBe('http:test-model:256');
  });

  it('reports an HTTP error status without the key', async () => {
    server.key = 'other-key';
    const failure = embedder({ keyFile }).embed(['a text']);
    await expect(failure).rejects.toThrow(EmbeddingError);
    await expect(failure).rejects.toThrow(/returned HTTP 401$/);
    await expect(failure).rejects.not.toThrow(/first-key/);
  });

  it('rejects a response with the wrong number of vectors', async () => {
    server.next = { status: 200, body: JSON.stringify({ data: [{ index: 0, embedding: [1] }] }) };
    await expect(embedder().embed(['one', 'two'])).rejects.toThrow(/"data" array of 2 items/);
  });

  it('rejects a vector of the wrong length', async () => {
    await expect(embedder({ dimensions: 128 }).embed(['one'])).rejects.toThrow(
      /returned 384 dimensions; EMBEDDING_DIMENSIONS is 128/,
    );
  });

  it('rejects an embedding that is not numbers', async () => {
    server.next = {
      status: 200,
      body: JSON.stringify({ data: [{ index: 0, embedding: ['x'] }] }),
    };
    await expect(embedder().embed(['one'])).rejects.toThrow(/not an array of numbers/);
  });

  it('rejects duplicate indexes', async () => {
    const item = { index: 0, embedding: [1, 0] };
    server.next = { status: 200, body: JSON.stringify({ data: [item, item] }) };
    await expect(embedder().embed(['one', 'two'])).rejects.toThrow(/duplicate indexes/);
  });

  it('rejects an index out of range', async () => {
    server.next = { status: 200, body: JSON.stringify({ data: [{ index: 5, embedding: [1] }] }) };
    await expect(embedder().embed(['one'])).rejects.toThrow(/invalid index/);
  });

  it('rejects a body that is not JSON', async () => {
    server.next = { status: 200, body: 'not json' };
    await expect(embedder().embed(['one'])).rejects.toThrow(/invalid JSON/);
  });

  it('times out a slow endpoint', async () => {
    server.next = { delayMs: 1000 };
    await expect(embedder({ timeoutMs: 200 }).embed(['one'])).rejects.toThrow(/timed out/);
  });

  it('reports an unreachable endpoint', async () => {
    const closed = await startEmbeddingsServer();
    const url = closed.url;
    await closed.close();
    await expect(embedder({ url }).embed(['one'])).rejects.toThrow(
      /embedding request to http:\/\/127\.0\.0\.1:\d+ failed/,
    );
  });

  it('names a missing key file', async () => {
    const missing = join(directory, 'missing');
    await expect(embedder({ keyFile: missing }).embed(['one'])).rejects.toThrow(
      `cannot read EMBEDDING_KEY_FILE ${missing}`,
    );
  });

  it('rejects an empty key file', async () => {
    const empty = join(directory, 'empty');
    await writeFile(empty, '\n');
    await expect(embedder({ keyFile: empty }).embed(['one'])).rejects.toThrow(/is empty/);
  });
});

describe('createEmbedder', () => {
  const defaults = {
    EMBEDDER: 'local' as const,
    EMBEDDING_TIMEOUT_MS: 1000,
    EMBEDDING_MAX_INPUT_CHARS: 8000,
  };

  it('creates the local embedder by default', () => {
    expect(createEmbedder(defaults, 'test')).toBeInstanceOf(LocalEmbedder);
  });

  it('creates the HTTP embedder from its settings', () => {
    const created = createEmbedder(
      { ...defaults, EMBEDDER: 'http', EMBEDDING_URL: server.url, EMBEDDING_MODEL: 'm' },
      'test',
    );
    expect(created).toBeInstanceOf(HttpEmbedder);
    expect(created.id).toBe('http:m');
  });

  it('lists every missing HTTP setting', () => {
    let error: unknown;
    try {
      createEmbedder({ ...defaults, EMBEDDER: 'http' }, 'gatekeeper');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'EMBEDDING_URL is missing: EMBEDDER=http needs the endpoint URL',
      'EMBEDDING_MODEL is missing: EMBEDDER=http needs a model name',
    ]);
  });
});
