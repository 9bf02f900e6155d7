import {
  request,
  startStack,
  testServerAvailable,
  tokenFor,
  type DatabaseKind,
  type JsonResponse,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface EntryJson {
  id: string;
  ownerId: string;
  title: string;
  body: string;
  tags: string[];
  metadata: Record<string, unknown>;
  sharedWith: string[];
}

interface SearchPage {
  mode: 'hybrid' | 'text';
  results: { entry: Omit<EntryJson, 'body' | 'sharedWith'>; score: number; snippet: string }[];
  nextCursor?: string;
}

interface ProblemJson {
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < depth; level += 1) value = { child: value };
  return value;
}

// The same flows run on the embedded database (pgvector, hybrid search) and on
// a PostgreSQL server (full text only unless the server has pgvector).
const databases: DatabaseKind[] = (await testServerAvailable())
  ? ['embedded', 'server']
  : ['embedded'];

describe.each(databases)('entry flows on the %s database', (database) => {
  let stack: RunningStack;
  let alice: string;
  let bob: string;
  let admin: string;
  let bobId: string;
  let vectorAvailable: boolean;

  const api = (path: string) => `${stack.webUrl}/api${path}`;
  const post = (token: string, body: unknown) =>
    request(api('/entries'), { method: 'POST', token, body });
  const problem = (response: JsonResponse) => response.body as ProblemJson;

  beforeAll(async () => {
    stack = await startStack({ database });
    alice = await tokenFor(stack, 'alice');
    bob = await tokenFor(stack, 'bob');
    admin = await tokenFor(stack, 'admin');
    bobId = ((await request(api('/me'), { token: bob })).body as { userId: string }).userId;
    const available = await stack.query(
      "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'",
    );
    vectorAvailable = available.length === 1;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('creates an entry with 201 and its location', async () => {
    const response = await post(alice, {
      title: 'Caffeine calibration',
      body: 'Five-point **calibration** curve of caffeine on the C18 column.',
      tags: ['hplc'],
      metadata: { instrument: 'hplc', run: { day: 1 } },
    });
    const entry = response.body as EntryJson;

    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/api/entries/${entry.id}`);
    expect(entry.title).toBe('Caffeine calibration');
    expect(entry.metadata).toEqual({ instrument: 'hplc', run: { day: 1 } });
    expect(entry.sharedWith).toEqual([]);
  });

  it('reads, updates and deletes an own entry', async () => {
    const { id } = (await post(alice, { title: 'Draft' })).body as EntryJson;

    const patched = await request(api(`/entries/${id}`), {
      method: 'PATCH',
      token: alice,
      body: { body: 'Final text', tags: ['done'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: 'Draft', body: 'Final text', tags: ['done'] });

    const read = await request(api(`/entries/${id}`), { token: alice });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ body: 'Final text' });

    const deleted = await request(api(`/entries/${id}`), { method: 'DELETE', token: alice });
    expect(deleted.status).toBe(204);
    expect((await request(api(`/entries/${id}`), { token: alice })).status).toBe(404);
  });

  it('finds an entry by its id in upper case', async () => {
    const { id } = (await post(alice, { title: 'Upper-case id' })).body as EntryJson;
    const upper = id.toUpperCase();

    const read = await request(api(`/entries/${upper}`), { token: alice });
    const patched = await request(api(`/entries/${upper}`), {
      method: 'PATCH',
      token: alice,
      body: { body: 'Changed' },
    });
    const deleted = await request(api(`/entries/${upper}`), { method: 'DELETE', token: alice });

    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id });
    expect(patched.status).toBe(200);
    expect(deleted.status).toBe(204);
  });

  it('shares an entry with an upper-case user id', async () => {
    const created = await post(alice, {
      title: 'Shared by upper case',
      sharedWith: [bobId.toUpperCase()],
    });
    const { id } = created.body as EntryJson;
    const patched = await request(api(`/entries/${id}`), {
      method: 'PATCH',
      token: alice,
      body: { sharedWith: [bobId.toUpperCase()] },
    });

    expect(created.status).toBe(201);
    expect((created.body as EntryJson).sharedWith).toEqual([bobId]);
    expect(patched.status).toBe(200);
    expect((patched.body as EntryJson).sharedWith).toEqual([bobId]);
  });

  it('shares an entry read-only', async () => {
    const { id } = (await post(alice, { title: 'Shared buffer recipe', sharedWith: [bobId] }))
      .body as EntryJson;

    const read = await request(api(`/entries/${id}`), { token: bob });
    expect(read.status).toBe(200);
    expect((read.body as EntryJson).sharedWith).toEqual([]);

    const patch = await request(api(`/entries/${id}`), {
      method: 'PATCH',
      token: bob,
      body: { title: 'Hijacked' },
    });
    expect(patch.status).toBe(403);
    expect(problem(patch).detail).toMatch(/read-only/);

    const deleted = await request(api(`/entries/${id}`), { method: 'DELETE', token: bob });
    expect(deleted.status).toBe(403);
  });

  it('hides unshared entries from other users and admins', async () => {
    const { id } = (await post(alice, { title: 'Private plan' })).body as EntryJson;
    expect((await request(api(`/entries/${id}`), { token: bob })).status).toBe(404);
    expect((await request(api(`/entries/${id}`), { token: admin })).status).toBe(404);
  });

  it('lists by tag and metadata containment', async () => {
    await post(alice, { title: 'Gel A', tags: ['gel'], metadata: { lab: { room: 1 } } });
    await post(alice, { title: 'Gel B', tags: ['gel'], metadata: { lab: { room: 2 } } });
    const metadata = encodeURIComponent(JSON.stringify({ lab: { room: 2 } }));

    const response = await request(api(`/entries?tag=gel&metadata=${metadata}`), { token: alice });
    expect(response.status).toBe(200);
    const titles = (response.body as { entries: EntryJson[] }).entries.map((e) => e.title);
    expect(titles).toEqual(['Gel B']);
  });

  it('pages the list with a cursor', async () => {
    const first = await request(api('/entries?limit=2'), { token: alice });
    const page = first.body as { entries: EntryJson[]; nextCursor?: string };
    expect(page.entries).toHaveLength(2);
    expect(page.nextCursor).toBeDefined();

    const second = await request(api(`/entries?limit=2&cursor=${page.nextCursor}`), {
      token: alice,
    });
    const next = (second.body as { entries: EntryJson[] }).entries;
    expect(next.map((e) => e.id)).not.toContain(page.entries[0]?.id);
  });

  it('searches with a score, a snippet and the mode', async () => {
    const response = await request(api('/entries/search?q=caffeine%20calibration'), {
      token: alice,
    });
    const page = response.body as SearchPage;

    expect(response.status).toBe(200);
    expect(page.mode).toBe(vectorAvailable ? 'hybrid' : 'text');
    expect(page.results[0]?.entry.title).toBe('Caffeine calibration');
    expect(page.results[0]?.score).toBeGreaterThan(0);
    expect(page.results[0]?.snippet).toContain('<mark>caffeine</mark>');
  });

  it('filters search by metadata', async () => {
    const metadata = encodeURIComponent('{"instrument":"nmr"}');
    const response = await request(api(`/entries/search?q=caffeine&metadata=${metadata}`), {
      token: alice,
    });
    expect((response.body as SearchPage).results).toEqual([]);
  });

  it('pages search results with a cursor', async () => {
    for (const n of [1, 2, 3]) await post(alice, { title: `Titration ${n}`, body: 'titration' });
    const first = (await request(api('/entries/search?q=titration&limit=2'), { token: alice }))
      .body as SearchPage;
    expect(first.nextCursor).toBeDefined();

    const second = (
      await request(api(`/entries/search?q=titration&limit=2&cursor=${first.nextCursor}`), {
        token: alice,
      })
    ).body as SearchPage;
    const ids = [...first.results, ...second.results].map((result) => result.entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps search results to visible entries', async () => {
    const response = await request(api('/entries/search?q=caffeine%20private%20plan'), {
      token: bob,
    });
    const titles = (response.body as SearchPage).results.map((result) => result.entry.title);
    expect(titles).not.toContain('Caffeine calibration');
    expect(titles).not.toContain('Private plan');
  });

  it('audits entry writes for admins to see', async () => {
    const created = await request(api('/entries'), {
      method: 'POST',
      token: alice,
      body: { title: 'Audited entry' },
      headers: { 'x-request-id': `entry-audit-${database}` },
    });
    const { id } = created.body as EntryJson;
    const audit = await request(api('/admin/audit?action=entry.create'), { token: admin });
    const events = (audit.body as { events: { targetId: string; requestId: string }[] }).events;
    expect(events).toContainEqual(
      expect.objectContaining({ targetId: id, requestId: `entry-audit-${database}` }),
    );
  });

  it('says once when search falls back to full text', () => {
    const migrationWarnings = stack.output.filter(
      (line) => line.includes('migrate') && line.includes('pgvector'),
    );
    const modeLogs = stack.output.filter((line) => line.includes('mode detected: full text only'));
    expect(migrationWarnings).toHaveLength(vectorAvailable ? 0 : 1);
    expect(modeLogs).toHaveLength(vectorAvailable ? 0 : 1);
  });

  describe('rejections', () => {
    it('rejects oversized metadata naming the limit', async () => {
      const response = await post(alice, { title: 'x', metadata: { text: 'm'.repeat(8200) } });
      expect(response.status).toBe(400);
      expect(problem(response).errors?.[0]?.field).toBe('/metadata');
      expect(problem(response).errors?.[0]?.message).toMatch(/must not exceed 8192 bytes/);
    });

    it('rejects too deep metadata naming the limit', async () => {
      const response = await post(alice, { title: 'x', metadata: nested(6) });
      expect(response.status).toBe(400);
      expect(problem(response).errors?.[0]?.field).toMatch(/^\/metadata\/child/);
      expect(problem(response).errors?.[0]?.message).toBe('must not nest deeper than 5 levels');
    });

    it('rejects a too long query naming the limit', async () => {
      const response = await request(api(`/entries/search?q=${'a'.repeat(501)}`), { token: alice });
      expect(response.status).toBe(400);
      expect(problem(response).errors?.[0]?.field).toBe('q');
      expect(problem(response).errors?.[0]?.message).toMatch(/500 characters/);
    });

    it('rejects a metadata filter that is not JSON', async () => {
      const response = await request(api('/entries?metadata=%7Bnope'), { token: alice });
      expect(response.status).toBe(400);
      expect(problem(response).errors?.[0]).toEqual({
        field: 'metadata',
        message: 'must be a JSON object',
      });
    });

    it('rejects an oversized metadata filter naming the limit', async () => {
      const filter = encodeURIComponent(JSON.stringify({ k: 'v'.repeat(1100) }));
      const response = await request(api(`/entries/search?q=x&metadata=${filter}`), {
        token: alice,
      });
      expect(response.status).toBe(400);
      expect(problem(response).errors?.[0]?.message).toMatch(/must not exceed 1024 bytes/);
    });

    it('rejects a body over its byte limit', async () => {
      const response = await post(alice, { title: 'x', body: 'é'.repeat(16_385) });
      expect(response.status).toBe(400);
      expect(problem(response).errors?.[0]?.field).toBe('/body');
      expect(problem(response).errors?.[0]?.message).toMatch(/32768 bytes/);
    });

    it('rejects an unknown property', async () => {
      const response = await post(alice, { title: 'x', ownerId: bobId });
      expect(response.status).toBe(400);
      expect(problem(response).errors?.[0]?.field).toBe('/ownerId');
    });

    it('rejects an entry id that is not a UUID', async () => {
      const response = await request(api('/entries/42'), { token: alice });
      expect(response.status).toBe(400);
      expect(problem(response).errors?.[0]?.field).toBe('id');
    });

    it('rejects an entry id with a urn prefix', async () => {
      const id = 'urn:uuid:2d3c4b5a-0000-4000-8000-000000000000';
      const response = await request(api(`/entries/${id}`), { token: alice });

      expect(response.status).toBe(400);
      expect(problem(response).errors?.[0]?.field).toBe('id');
    });

    it('rejects a call without a token', async () => {
      expect((await request(api('/entries/search?q=x'))).status).toBe(401);
    });
  });
});
