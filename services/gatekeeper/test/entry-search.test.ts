import { SearchMode } from '@palisade/contracts';
import { LocalEmbedder, type CallContext, type EntryFunctions } from '@palisade/gatekeeper';
import { testServerAvailable, type DatabaseKind } from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  fillerEntries,
  knownAnswers,
  misspelledQuery,
  nearMisses,
  targetEntries,
  type CorpusEntry,
} from './entry-corpus.js';
import { openTestDatabase, type TestDatabase } from './entry-database.js';
import {
  callerContext,
  createRequest,
  entryFunctions,
  insertUser,
  listAll,
} from './entry-fixtures.js';

// The same suite runs on the embedded database (pgvector: hybrid search) and on
// the PostgreSQL test server (full text only unless that server has pgvector).
const databases: DatabaseKind[] = (await testServerAvailable())
  ? ['embedded', 'server']
  : ['embedded'];

describe.each(databases)('entry search on the %s database', (kind) => {
  let database: TestDatabase;
  let entries: EntryFunctions;
  let mode: 'hybrid' | 'text';
  const idsByKey = new Map<string, string>();
  const curie = callerContext('curie');
  const franklin = callerContext('franklin');

  async function search(query: string, extra: { tags?: string[]; metadata?: object } = {}) {
    return entries.searchEntries(callerContext('curie'), {
      query,
      tags: extra.tags ?? [],
      metadata: { ...extra.metadata },
      pageSize: 10,
      pageToken: '',
    });
  }

  async function create(context: CallContext, entry: CorpusEntry, sharedWith: string[] = []) {
    const created = await entries.createEntry(context, createRequest({ ...entry, sharedWith }));
    idsByKey.set(entry.key, created.id);
    return created;
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    mode = database.vectorAvailable ? 'hybrid' : 'text';
    entries = entryFunctions(database.pool);
    const franklinId = await insertUser(database.pool, 'franklin');

    for (const entry of targetEntries) {
      await create(curie, entry, entry.key === 'western' ? [franklinId] : []);
    }
    for (const entry of [...nearMisses, ...fillerEntries(200)]) await create(curie, entry);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('writes a corpus of over 200 entries', async () => {
    const result = await database.pool.query<{ count: string }>(
      'SELECT count(*) AS count FROM app.entries',
    );
    expect(Number(result.rows[0]?.count)).toBeGreaterThanOrEqual(200);
  });

  it('reports the mode the schema allows', async () => {
    const page = await search('caffeine');
    const expected =
      mode === 'hybrid' ? SearchMode.SEARCH_MODE_HYBRID : SearchMode.SEARCH_MODE_TEXT;
    expect(page.mode).toBe(expected);
  });

  it('warns once at migration time when pgvector is missing', () => {
    const vectorWarnings = database.warnings.filter((warning) => warning.includes('pgvector'));
    expect(vectorWarnings).toHaveLength(mode === 'text' ? 1 : 0);
  });

  it.each(knownAnswers)('$query ranks $expected in the top 3', async ({ query, expected }) => {
    const page = await search(query);
    const top = page.hits.slice(0, 3).map((hit) => hit.entry?.id);
    expect(top).toContain(idsByKey.get(expected));
  });

  it('finds a misspelled query only by vector similarity', async () => {
    const page = await search(misspelledQuery.query);
    const top = page.hits.slice(0, 3).map((hit) => hit.entry?.id);
    if (mode === 'hybrid') {
      expect(top).toContain(idsByKey.get(misspelledQuery.expected));
    } else {
      expect(page.hits).toEqual([]);
    }
  });

  it('highlights matched words in an escaped snippet', async () => {
    const page = await search('phenolphthalein');
    const hit = page.hits.find((candidate) => candidate.entry?.id === idsByKey.get('titration'));
    expect(hit?.snippet).toContain('<mark>phenolphthalein</mark>');
    expect(hit?.score).toBeGreaterThan(0);
  });

  it('escapes markup in snippets', async () => {
    await entries.createEntry(
      curie,
      createRequest({ title: 'Markup', body: 'Zymogen <img src=x onerror=alert(1)> & "quotes"' }),
    );
    const page = await search('zymogen');
    const snippet = page.hits[0]?.snippet ?? '';
    expect(snippet).toContain('<mark>Zymogen</mark>');
    expect(snippet).not.toContain('<img');
    expect(snippet).toContain('&amp;');
  });

  it('filters search results by metadata containment', async () => {
    const page = await search('calibration', { metadata: { instrument: 'hplc' } });
    const ids = page.hits.map((hit) => hit.entry?.id);
    expect(ids).toEqual([idsByKey.get('caffeine')]);
  });

  it('filters by containment of nested objects and arrays', async () => {
    const byArray = await search('titration vinegar', { metadata: { reagents: ['NaOH'] } });
    expect(byArray.hits.map((hit) => hit.entry?.id)).toEqual([idsByKey.get('titration')]);

    const byNested = await search('freezer', { metadata: { location: { room: 214 } } });
    expect(byNested.hits.map((hit) => hit.entry?.id)).toEqual([idsByKey.get('freezer')]);
  });

  it('filters search results by tag', async () => {
    const page = await search('protein band peptides', { tags: ['protein'] });
    const ids = new Set(page.hits.map((hit) => hit.entry?.id));
    expect(ids).toEqual(new Set([idsByKey.get('western'), idsByKey.get('peptides')]));
  });

  it('requires every tag of a filter', async () => {
    const page = await search('peptides', { tags: ['protein', 'mass-spec'] });
    expect(page.hits.map((hit) => hit.entry?.id)).toEqual([idsByKey.get('peptides')]);
  });

  it('lists by nested metadata containment exactly', async () => {
    const listed = await listAll(entries, curie, { metadata: { run: { day: 7 } } });
    const expected = [...targetEntries, ...nearMisses, ...fillerEntries(200)]
      .filter((entry) => (entry.metadata['run'] as { day: number }).day === 7)
      .map((entry) => idsByKey.get(entry.key));
    expect(new Set(listed)).toEqual(new Set(expected));
    expect(listed).toHaveLength(expected.length);
  });

  it('pages search results with cursors', async () => {
    const query = 'sample buffer solution measured';
    const first = await entries.searchEntries(curie, {
      query,
      tags: [],
      metadata: {},
      pageSize: 40,
      pageToken: '',
    });
    const paged: string[] = [];
    let pageToken = '';
    do {
      const page = await entries.searchEntries(curie, {
        query,
        tags: [],
        metadata: {},
        pageSize: 7,
        pageToken,
      });
      paged.push(...page.hits.map((hit) => hit.entry!.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== '' && paged.length < 40);

    expect(paged.slice(0, 40)).toEqual(first.hits.map((hit) => hit.entry!.id));
    expect(new Set(paged).size).toBe(paged.length);
  });

  it('ends paging after the last result', async () => {
    const page = await search('phenolphthalein', { metadata: { project: 'teaching' } });
    expect(page.nextPageToken).toBe('');
  });

  it('rejects a cursor of another search', async () => {
    const page = await entries.searchEntries(curie, {
      query: 'sample',
      tags: [],
      metadata: {},
      pageSize: 2,
      pageToken: '',
    });
    expect(page.nextPageToken).not.toBe('');
    await expect(
      entries.searchEntries(curie, {
        query: 'buffer',
        tags: [],
        metadata: {},
        pageSize: 2,
        pageToken: page.nextPageToken,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /different search/ });
  });

  it('rejects a forged cursor', async () => {
    const forged = Buffer.from('search:[1,"x","y"]').toString('base64url');
    await expect(
      entries.searchEntries(curie, {
        query: 'sample',
        tags: [],
        metadata: {},
        pageSize: 2,
        pageToken: forged,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /page_token is invalid/ });
  });

  it('rejects a query over the length limit', async () => {
    await expect(search('a'.repeat(501))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'query is 501 characters; the limit is 500',
    });
  });

  it('rejects a blank query', async () => {
    await expect(search('   ')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('rejects a metadata filter over its limits', async () => {
    await expect(search('x', { metadata: { a: 'b'.repeat(1100) } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: /^metadata filter is \d+ bytes as JSON; the limit is 1024$/,
    });
  });

  it('returns nothing to a caller without entries', async () => {
    const page = await entries.searchEntries(callerContext('nobody'), {
      query: 'caffeine',
      tags: [],
      metadata: {},
      pageSize: 10,
      pageToken: '',
    });
    expect(page.hits).toEqual([]);
  });

  it('shows a shared entry to its reader in search', async () => {
    const page = await entries.searchEntries(franklin, {
      query: 'western blot caffeine lysozyme',
      tags: [],
      metadata: {},
      pageSize: 50,
      pageToken: '',
    });
    const ids = page.hits.map((hit) => hit.entry?.id);
    expect(ids).toContain(idsByKey.get('western'));
    expect(ids).not.toContain(idsByKey.get('caffeine'));
    expect(ids).not.toContain(idsByKey.get('lysozyme'));
  });

  it('gives admins no access to other users’ entries', async () => {
    const admin = callerContext('root', ['admin', 'user']);
    await expect(entries.getEntry(admin, idsByKey.get('caffeine')!)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const page = await entries.searchEntries(admin, {
      query: 'caffeine',
      tags: [],
      metadata: {},
      pageSize: 10,
      pageToken: '',
    });
    expect(page.hits).toEqual([]);
  });

  it('audits each search hit in the same transaction', async () => {
    const context = callerContext('curie');
    const page = await entries.searchEntries(context, {
      query: 'caffeine calibration',
      tags: [],
      metadata: {},
      pageSize: 3,
      pageToken: '',
    });
    const events = await database.pool.query<{ target_id: string }>(
      "SELECT target_id FROM audit.events WHERE action = 'entry.search' AND request_id = $1",
      [context.requestId],
    );
    expect(events.rows.map((row) => row.target_id).sort()).toEqual(
      page.hits.map((hit) => hit.entry!.id).sort(),
    );
  });

  it('finds an entry by the words of its update', async () => {
    const created = await entries.createEntry(
      curie,
      createRequest({ title: 'Draft', body: 'tbd' }),
    );
    await entries.updateEntry(curie, {
      id: created.id,
      updateMask: ['body'],
      body: 'Ribozyme cleavage kinetics measured by stopped flow.',
      tags: [],
      metadata: undefined,
      sharedWith: [],
    });
    const page = await search('ribozyme stopped flow');
    expect(page.hits[0]?.entry?.id).toBe(created.id);
  });

  it.runIf(kind === 'embedded')('stores embeddings of the configured embedder', async () => {
    const rows = await database.pool.query<{ model: string | null; missing: boolean }>(
      'SELECT DISTINCT embedding_model AS model, embedding IS NULL AS missing FROM app.entries',
    );
    expect(rows.rows).toEqual([{ model: new LocalEmbedder().id, missing: false }]);
  });
});
