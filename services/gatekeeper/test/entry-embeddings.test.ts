import {
  EmbeddingsUnavailableError,
  HttpEmbedder,
  LocalEmbedder,
  reembedEntries,
  type Embedder,
  type EntryFunctions,
} from '@palisade/gatekeeper';
import { testServerAvailable, type DatabaseKind } from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmbeddingsServer, type EmbeddingsServer } from './embeddings-server.js';
import { offersVector, openTestDatabase, type TestDatabase } from './entry-database.js';
import { callerContext, createRequest, entryFunctions, updateRequest } from './entry-fixtures.js';

const databases: DatabaseKind[] = (await testServerAvailable())
  ? ['embedded', 'server']
  : ['embedded'];
const hybridByKind = new Map<DatabaseKind, boolean>();
for (const kind of databases) hybridByKind.set(kind, await offersVector(kind));

/** Wraps an embedder and runs `beforeEmbed` before each call, to interleave other writes. */
class InterleavingEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number | undefined;
  calls = 0;

  constructor(
    private readonly inner: Embedder,
    private readonly beforeEmbed: (call: number) => Promise<void>,
  ) {
    this.id = inner.id;
    this.dimensions = inner.dimensions;
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    this.calls += 1;
    await this.beforeEmbed(this.calls);
    return this.inner.embed(texts);
  }
}

describe.each(databases)('entry embeddings on the %s database', (kind) => {
  let database: TestDatabase;
  let server: EmbeddingsServer;
  const hybrid = hybridByKind.get(kind) === true;
  const owner = callerContext('hopper');

  async function embeddingModels(): Promise<(string | null)[]> {
    const result = await database.pool.query<{ model: string | null }>(
      'SELECT embedding_model AS model FROM app.entries ORDER BY id',
    );
    return result.rows.map((row) => row.model);
  }

  function httpEmbedder(): HttpEmbedder {
    return new HttpEmbedder({
      url: server.url,
      model: 'test-model',
      dimensions: 384,
      timeoutMs: 2000,
      maxInputChars: 8000,
    });
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    server = await startEmbeddingsServer(384);
  });

  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  describe.runIf(hybrid)('hybrid mode', () => {
    let local: EntryFunctions;

    beforeAll(async () => {
      local = entryFunctions(database.pool);
      await local.createEntry(
        owner,
        createRequest({ title: 'Lysozyme crystallisation', body: 'hanging drop trays' }),
      );
      await local.createEntry(
        owner,
        createRequest({ title: 'Agarose gel', body: 'plasmid digest' }),
      );
      await local.createEntry(owner, createRequest({ title: 'To be', body: 'or not to be' }));
    });

    it('searches only vectors of the configured embedder', async () => {
      const viaHttp = entryFunctions(database.pool, httpEmbedder());
      const page = await viaHttp.searchEntries(owner, {
        query: 'lysosyme cristallisation',
        tags: [],
        metadata: {},
        pageSize: 10,
        pageToken: '',
      });
      expect(page.hits).toEqual([]);
    });

    it('re-embeds every entry with a new embedder', async () => {
      const result = await reembedEntries(database.pool, httpEmbedder(), { batchSize: 2 });
      expect(result).toEqual({ updated: 3, skipped: 0 });
      expect(await embeddingModels()).toEqual([
        'http:test-model:384',
        'http:test-model:384',
        'http:test-model:384',
      ]);
    });

    it('finds entries through the new embedder after re-embedding', async () => {
      const viaHttp = entryFunctions(database.pool, httpEmbedder());
      const page = await viaHttp.searchEntries(owner, {
        query: 'lysosyme cristallisation',
        tags: [],
        metadata: {},
        pageSize: 10,
        pageToken: '',
      });
      expect(page.hits[0]?.entry?.title).toBe('Lysozyme crystallisation');
    });

    it('leaves nothing to do on a second run', async () => {
      expect(await reembedEntries(database.pool, httpEmbedder())).toEqual({
        updated: 0,
        skipped: 0,
      });
    });

    it('re-embeds every entry with --all', async () => {
      const result = await reembedEntries(database.pool, httpEmbedder(), { all: true });
      expect(result).toEqual({ updated: 3, skipped: 0 });
    });

    it('stores no vector for text without features', async () => {
      const result = await database.pool.query<{ missing: boolean }>(
        "SELECT embedding IS NULL AS missing FROM app.entries WHERE title = 'To be'",
      );
      expect(result.rows).toEqual([{ missing: true }]);
    });

    it('skips an entry that changes while it is embedded', async () => {
      const target = await local.createEntry(owner, createRequest({ title: 'Moving target' }));
      const embedder = new InterleavingEmbedder(new LocalEmbedder(256), async (call) => {
        if (call !== 1) return;
        await local.updateEntry(
          owner,
          updateRequest(target.id, { updateMask: ['title'], title: 'Moved target' }),
        );
      });

      const result = await reembedEntries(database.pool, embedder, { batchSize: 100 });
      expect(result).toEqual({ updated: 3, skipped: 1 });
      const row = await database.pool.query<{ model: string }>(
        'SELECT embedding_model AS model FROM app.entries WHERE id = $1',
        [target.id],
      );
      expect(row.rows[0]?.model).toBe(new LocalEmbedder().id);
    });

    it('retries an update whose entry changed meanwhile', async () => {
      const created = await local.createEntry(
        owner,
        createRequest({ title: 'Contested', body: 'v1' }),
      );
      const racing = entryFunctions(
        database.pool,
        new InterleavingEmbedder(new LocalEmbedder(), async (call) => {
          if (call !== 1) return;
          await local.updateEntry(
            owner,
            updateRequest(created.id, { updateMask: ['tags'], tags: ['raced'] }),
          );
        }),
      );

      const updated = await racing.updateEntry(
        owner,
        updateRequest(created.id, { updateMask: ['body'], body: 'v2' }),
      );
      expect(updated.body).toBe('v2');
      expect(updated.tags).toEqual(['raced']);
    });

    it('gives up after the entry changes on every attempt', async () => {
      const created = await local.createEntry(owner, createRequest({ title: 'Hot entry' }));
      let round = 0;
      const racing = entryFunctions(
        database.pool,
        new InterleavingEmbedder(new LocalEmbedder(), async () => {
          round += 1;
          await local.updateEntry(
            owner,
            updateRequest(created.id, { updateMask: ['title'], title: `Hot entry ${round}` }),
          );
        }),
      );

      await expect(
        racing.updateEntry(
          owner,
          updateRequest(created.id, { updateMask: ['body'], body: 'mine' }),
        ),
      ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: /changed 3 times/ });
    });

    it('fails a write when the embedder is unavailable', async () => {
      const unreachable = await startEmbeddingsServer();
      await unreachable.close();
      const broken = entryFunctions(
        database.pool,
        new HttpEmbedder({ url: unreachable.url, model: 'm', timeoutMs: 500, maxInputChars: 100 }),
      );
      await expect(
        broken.createEntry(owner, createRequest({ title: 'Lost' })),
      ).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: 'embedding service unavailable, retry later',
      });
    });
  });

  describe.runIf(!hybrid)('text mode', () => {
    it('refuses to re-embed without an embedding column', async () => {
      await expect(reembedEntries(database.pool, new LocalEmbedder())).rejects.toThrow(
        EmbeddingsUnavailableError,
      );
    });

    it('writes without calling the embedder', async () => {
      const unreachable = await startEmbeddingsServer();
      await unreachable.close();
      const entries = entryFunctions(
        database.pool,
        new HttpEmbedder({ url: unreachable.url, model: 'm', timeoutMs: 500, maxInputChars: 100 }),
      );
      const created = await entries.createEntry(owner, createRequest({ title: 'Plain' }));
      expect(created.title).toBe('Plain');
    });
  });
});
