import { entryLimits } from '@palisade/contracts';
import { newCallScope, runInCallScope, type EntryFunctions } from '@palisade/gatekeeper';
import { testServerAvailable, type DatabaseKind } from '@palisade/testkit';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listAuditEvents } from '../src/audit/audit-log.js';
import { openTestDatabase, type TestDatabase } from './entry-database.js';
import {
  callerContext,
  createRequest,
  entryFunctions,
  insertUser,
  listAll,
  searchAll,
  updateRequest,
} from './entry-fixtures.js';

const databases: DatabaseKind[] = (await testServerAvailable())
  ? ['embedded', 'server']
  : ['embedded'];

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < depth; level += 1) value = { child: value };
  return value;
}

describe.each(databases)('entry access on the %s database', (kind) => {
  let database: TestDatabase;
  let entries: EntryFunctions;
  let hybrid: boolean;
  const owner = callerContext('ada');
  const reader = callerContext('grace');
  const stranger = callerContext('linus');
  let readerId: string;
  let strangerId: string;

  async function auditEvents(requestId: string) {
    const result = await database.pool.query<{
      action: string;
      actor_id: string | null;
      actor_subject: string;
      target_id: string;
    }>(
      `SELECT action, actor_id, actor_subject, target_id FROM audit.events
        WHERE request_id = $1 ORDER BY seq`,
      [requestId],
    );
    return result.rows;
  }

  async function auditActions(requestId: string): Promise<string[]> {
    return (await auditEvents(requestId)).map((event) => event.action);
  }

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    hybrid = database.vectorAvailable;
    entries = entryFunctions(database.pool);
    readerId = await insertUser(database.pool, 'grace');
    strangerId = await insertUser(database.pool, 'linus');
  });

  afterAll(async () => {
    await database?.close();
  });

  describe('create, read, update, delete', () => {
    it('creates an entry and reads it back', async () => {
      const created = await entries.createEntry(
        owner,
        createRequest({
          title: 'Buffer recipe',
          body: '# PBS\n\n- 137 mM NaCl',
          tags: ['buffers', 'recipes'],
          metadata: { ph: 7.4, reagents: ['NaCl', 'KCl'], nested: { a: { b: null } } },
        }),
      );
      const read = await entries.getEntry(owner, created.id);

      expect(read.title).toBe('Buffer recipe');
      expect(read.body).toBe('# PBS\n\n- 137 mM NaCl');
      expect(read.tags).toEqual(['buffers', 'recipes']);
      expect(read.metadata).toEqual({
        ph: 7.4,
        reagents: ['NaCl', 'KCl'],
        nested: { a: { b: null } },
      });
      expect(read.ownerId).toBe(created.ownerId);
      expect(read.createdAt).toBeInstanceOf(Date);
    });

    it('audits create and read in their transactions', async () => {
      const createContext = callerContext('ada');
      const created = await entries.createEntry(createContext, createRequest({ title: 'Audited' }));
      const readContext = callerContext('ada');
      await entries.getEntry(readContext, created.id);

      expect(await auditActions(createContext.requestId)).toEqual(['entry.create']);
      expect(await auditActions(readContext.requestId)).toEqual(['entry.read']);
    });

    it('audits the user a first write creates', async () => {
      const context = callerContext('newcomer');
      await entries.createEntry(context, createRequest({ title: 'First' }));
      expect(await auditActions(context.requestId)).toEqual(['user.create', 'entry.create']);
    });

    it('updates only the fields in the mask', async () => {
      const created = await entries.createEntry(
        owner,
        createRequest({ title: 'Before', body: 'kept', tags: ['a'], metadata: { k: 1 } }),
      );
      const context = callerContext('ada');
      const updated = await entries.updateEntry(
        context,
        updateRequest(created.id, { updateMask: ['title', 'tags'], title: 'After', tags: [] }),
      );

      expect(updated.title).toBe('After');
      expect(updated.tags).toEqual([]);
      expect(updated.body).toBe('kept');
      expect(updated.metadata).toEqual({ k: 1 });
      expect(updated.updatedAt!.getTime()).toBeGreaterThanOrEqual(created.updatedAt!.getTime());
      expect(await auditActions(context.requestId)).toEqual(['entry.update']);
    });

    it('deletes an entry and audits it', async () => {
      const created = await entries.createEntry(owner, createRequest({ title: 'Doomed' }));
      const context = callerContext('ada');
      const deleted = await entries.deleteEntry(context, created.id);

      expect(deleted.id).toBe(created.id);
      await expect(entries.getEntry(owner, created.id)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(await auditActions(context.requestId)).toEqual(['entry.delete']);
    });

    it('returns NOT_FOUND for an id that is not a UUID', async () => {
      await expect(entries.getEntry(owner, 'not-a-uuid')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });

  describe('sharing', () => {
    let sharedId: string;
    let privateId: string;

    beforeAll(async () => {
      sharedId = (
        await entries.createEntry(
          owner,
          createRequest({ title: 'Shared protocol', sharedWith: [readerId] }),
        )
      ).id;
      privateId = (await entries.createEntry(owner, createRequest({ title: 'Private idea' }))).id;
    });

    it('lists shares to the owner only', async () => {
      expect((await entries.getEntry(owner, sharedId)).sharedWith).toEqual([readerId]);
      expect((await entries.getEntry(reader, sharedId)).sharedWith).toEqual([]);
    });

    it('lets a reader read a shared entry', async () => {
      expect((await entries.getEntry(reader, sharedId)).title).toBe('Shared protocol');
    });

    it('forbids a reader to update', async () => {
      await expect(
        entries.updateEntry(reader, updateRequest(sharedId, { updateMask: ['title'], title: 'x' })),
      ).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: /read-only/ });
    });

    it('forbids a reader to delete', async () => {
      await expect(entries.deleteEntry(reader, sharedId)).rejects.toMatchObject({
        code: 'PERMISSION_DENIED',
      });
    });

    it('hides an unshared entry from a reader', async () => {
      await expect(entries.getEntry(reader, privateId)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('hides every entry from a stranger', async () => {
      await expect(entries.getEntry(stranger, sharedId)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(
        entries.updateEntry(
          stranger,
          updateRequest(sharedId, { updateMask: ['title'], title: 'x' }),
        ),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(entries.deleteEntry(stranger, sharedId)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('audits a read of a hidden entry', async () => {
      const context = callerContext('grace');
      await expect(entries.getEntry(context, privateId)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });

      expect(await auditEvents(context.requestId)).toEqual([
        {
          action: 'entry.read.denied',
          actor_id: readerId,
          actor_subject: 'grace',
          target_id: privateId,
        },
      ]);
    });

    it('audits a rejected update and delete', async () => {
      const updater = callerContext('grace');
      const deleter = callerContext('grace');
      await expect(
        entries.updateEntry(
          updater,
          updateRequest(sharedId, { updateMask: ['title'], title: 'x' }),
        ),
      ).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(entries.deleteEntry(deleter, sharedId)).rejects.toMatchObject({
        code: 'PERMISSION_DENIED',
      });

      expect(await auditActions(updater.requestId)).toEqual(['entry.update.denied']);
      expect(await auditActions(deleter.requestId)).toEqual(['entry.delete.denied']);
    });

    it('audits a read by a caller without a user row', async () => {
      const unknown = callerContext('nobody-yet');
      const missingId = '00000000-0000-4000-8000-00000000abcd';
      await expect(entries.getEntry(unknown, missingId)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });

      expect(await auditEvents(unknown.requestId)).toEqual([
        {
          action: 'entry.read.denied',
          actor_id: null,
          actor_subject: unknown.caller.subject,
          target_id: missingId,
        },
      ]);
    });

    it('audits a rejection after the call deadline', async () => {
      const context = callerContext('grace');
      const expired = newCallScope(new Date(Date.now() - 1000));

      await expect(
        runInCallScope(expired, () => entries.getEntry(context, privateId)),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });

      expect(await auditActions(context.requestId)).toEqual(['entry.read.denied']);
    });

    it('still rejects when the denial cannot be audited', async () => {
      // A real failure of the audit insert, limited to this test's caller.
      await database.pool.query(`
        CREATE OR REPLACE FUNCTION audit.fail_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$`);
      await database.pool.query(`
        CREATE TRIGGER fail_for_test BEFORE INSERT ON audit.events FOR EACH ROW
        WHEN (NEW.actor_subject = 'audit-fails') EXECUTE FUNCTION audit.fail_for_test()`);
      const lines: string[] = [];
      const context = {
        ...callerContext('audit-fails'),
        logger: pino({ level: 'error' }, { write: (line: string) => lines.push(line) }),
      };
      try {
        await expect(entries.getEntry(context, privateId)).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
      } finally {
        await database.pool.query('DROP TRIGGER fail_for_test ON audit.events');
      }

      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('recording a denied entry access in the audit trail failed');
      expect(lines[0]).toContain('audit store unavailable');
      expect(lines[0]).toContain(privateId);
    });

    it('keeps a rejected read out of that user’s events', async () => {
      // A stranger sends the reader's user id as an entry id.
      const context = callerContext('linus');
      await expect(entries.getEntry(context, readerId)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      const client = await database.pool.connect();
      try {
        const query = { action: 'entry.read.denied', beforeSeq: undefined, limit: 1000 };
        const readers = await listAuditEvents(client, { ...query, userId: readerId });
        const strangers = await listAuditEvents(client, { ...query, userId: strangerId });

        expect(readers.map((event) => event.request_id)).not.toContain(context.requestId);
        expect(strangers.map((event) => event.request_id)).toContain(context.requestId);
      } finally {
        client.release();
      }
    });

    it('records no audit event for a malformed id', async () => {
      const context = callerContext('grace');
      await expect(entries.getEntry(context, 'not-a-uuid')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });

      expect(await auditActions(context.requestId)).toEqual([]);
    });

    it('gives the admin role no access', async () => {
      const admin = callerContext('root', ['admin']);
      await expect(entries.getEntry(admin, sharedId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await listAll(entries, admin)).toEqual([]);
    });

    it('revokes access when the owner unshares', async () => {
      const id = (
        await entries.createEntry(
          owner,
          createRequest({ title: 'Brief share', sharedWith: [readerId] }),
        )
      ).id;
      await entries.updateEntry(owner, updateRequest(id, { updateMask: ['shared_with'] }));
      await expect(entries.getEntry(reader, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('rejects sharing with an unknown user', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      await expect(
        entries.createEntry(owner, createRequest({ title: 'x', sharedWith: [unknown] })),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /unknown user/ });
    });

    it('rejects sharing with the owner', async () => {
      const ownerId = (await entries.getEntry(owner, sharedId)).ownerId;
      await expect(
        entries.createEntry(owner, createRequest({ title: 'x', sharedWith: [ownerId] })),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /contains the owner/ });
    });

    it('rejects a user named twice', async () => {
      await expect(
        entries.createEntry(owner, createRequest({ title: 'x', sharedWith: [readerId, readerId] })),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /more than once/ });
    });
  });

  describe('validation', () => {
    const invalid = [
      { name: 'an empty title', entry: { title: ' ' }, message: /title is empty/ },
      {
        name: 'a title over the limit',
        entry: { title: 't'.repeat(201) },
        message: 'title is 201 characters; the limit is 200',
      },
      { name: 'a control character in the title', entry: { title: 'a\nb' }, message: /control/ },
      {
        name: 'a body over the byte limit',
        entry: { title: 'x', body: 'é'.repeat(entryLimits.bodyMaxBytes / 2 + 1) },
        message: `body is ${entryLimits.bodyMaxBytes + 2} bytes; the limit is ${entryLimits.bodyMaxBytes}`,
      },
      { name: 'a NUL in the body', entry: { title: 'x', body: 'a\u0000b' }, message: /NUL/ },
      { name: 'an invalid tag', entry: { title: 'x', tags: ['Has Space'] }, message: /a tag is/ },
      { name: 'a repeated tag', entry: { title: 'x', tags: ['a', 'a'] }, message: /repeats a tag/ },
      {
        name: 'too many tags',
        entry: { title: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
        message: 'tags has 21 tags; the limit is 20',
      },
      {
        name: 'oversized metadata',
        entry: { title: 'x', metadata: { text: 'm'.repeat(8200) } },
        message: /^metadata is \d+ bytes as JSON; the limit is 8192$/,
      },
      {
        name: 'too deep metadata',
        entry: { title: 'x', metadata: nested(6) },
        message: /is nested 6 levels deep; the limit is 5$/,
      },
      {
        name: 'a NUL in metadata',
        entry: { title: 'x', metadata: { 'k\u0000': 1 } },
        message: 'metadata has a key with a NUL character: remove it',
      },
      {
        name: 'a share that is not a user id',
        entry: { title: 'x', sharedWith: ['bob'] },
        message: /not a user id/,
      },
    ];

    it.each(invalid)('rejects $name', async ({ entry, message }) => {
      await expect(entries.createEntry(owner, createRequest(entry))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message,
      });
    });

    it('rejects an empty update mask', async () => {
      await expect(
        entries.updateEntry(
          owner,
          updateRequest('00000000-0000-4000-8000-000000000000', { updateMask: [] }),
        ),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /update_mask is empty/ });
    });

    it('rejects an unknown field in the mask', async () => {
      await expect(
        entries.updateEntry(
          owner,
          updateRequest('00000000-0000-4000-8000-000000000000', { updateMask: ['owner_id'] }),
        ),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /unknown field "owner_id"/ });
    });

    it('rejects a masked field that is not set', async () => {
      await expect(
        entries.updateEntry(
          owner,
          updateRequest('00000000-0000-4000-8000-000000000000', { updateMask: ['title'] }),
        ),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /title is in update_mask/ });
    });

    it('rejects a page size out of range', async () => {
      await expect(
        entries.listEntries(owner, { tags: [], metadata: {}, pageSize: 101, pageToken: '' }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /page_size 101/ });
    });

    it('rejects a forged list cursor', async () => {
      const forged = Buffer.from('entries:["yesterday","x"]').toString('base64url');
      await expect(
        entries.listEntries(owner, { tags: [], metadata: {}, pageSize: 5, pageToken: forged }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /page_token is invalid/ });
    });

    it('rejects too many filter tags', async () => {
      const tags = Array.from({ length: 11 }, (_, i) => `t${i}`);
      await expect(
        entries.listEntries(owner, { tags, metadata: {}, pageSize: 5, pageToken: '' }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: 'tags filter has 11 tags; the limit is 10',
      });
    });
  });

  describe('filters never leak entries', () => {
    const tags = ['red', 'green', 'blue'] as const;
    const words = ['alpha', 'beta', 'gamma', 'delta'] as const;
    let run = 0;

    const scenario = fc.record({
      userCount: fc.integer({ min: 2, max: 4 }),
      entries: fc.array(
        fc.record({
          owner: fc.nat(3),
          sharedWith: fc.uniqueArray(fc.nat(3), { maxLength: 3 }),
          tag: fc.constantFrom(...tags),
          group: fc.constantFrom('a', 'b'),
          word: fc.constantFrom(...words),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      viewer: fc.nat(3),
      tagFilter: fc.option(fc.constantFrom(...tags), { nil: undefined }),
      groupFilter: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
      word: fc.constantFrom(...words),
    });

    it('returns exactly the visible entries that match', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (world) => {
          run += 1;
          const subjects = Array.from({ length: world.userCount }, (_, i) => `prop-${run}-${i}`);
          const userIds = await Promise.all(subjects.map((s) => insertUser(database.pool, s)));

          const created: {
            id: string;
            visibleTo: Set<number>;
            tag: string;
            group: string;
            word: string;
          }[] = [];
          for (const [index, spec] of world.entries.entries()) {
            const ownerIndex = spec.owner % world.userCount;
            const readers = [...new Set(spec.sharedWith.map((i) => i % world.userCount))].filter(
              (i) => i !== ownerIndex,
            );
            const entry = await entries.createEntry(
              callerContext(subjects[ownerIndex]!),
              createRequest({
                title: `${spec.word} note ${index}`,
                body: `${spec.word} observation number ${index}`,
                tags: [spec.tag],
                metadata: { group: spec.group, run },
                sharedWith: readers.map((i) => userIds[i]!),
              }),
            );
            created.push({ id: entry.id, visibleTo: new Set([ownerIndex, ...readers]), ...spec });
          }

          const viewerIndex = world.viewer % world.userCount;
          const viewer = callerContext(subjects[viewerIndex]!);
          const filters = {
            tags: world.tagFilter === undefined ? [] : [world.tagFilter],
            metadata: world.groupFilter === undefined ? {} : { group: world.groupFilter },
          };
          const matching = created.filter(
            (entry) =>
              entry.visibleTo.has(viewerIndex) &&
              (world.tagFilter === undefined || entry.tag === world.tagFilter) &&
              (world.groupFilter === undefined || entry.group === world.groupFilter),
          );

          const listed = await listAll(entries, viewer, filters, 3);
          expect(new Set(listed)).toEqual(new Set(matching.map((entry) => entry.id)));
          expect(listed).toHaveLength(matching.length);

          // Full text finds the entries with the word; vector similarity ranks every visible
          // entry, so hybrid mode returns all of them.
          const found = await searchAll(entries, viewer, world.word, filters, 3);
          const expected = hybrid ? matching : matching.filter((e) => e.word === world.word);
          expect(new Set(found)).toEqual(new Set(expected.map((entry) => entry.id)));
          expect(found).toHaveLength(expected.length);

          for (const entry of created) {
            const read = entries.getEntry(viewer, entry.id);
            if (entry.visibleTo.has(viewerIndex)) await expect(read).resolves.toBeDefined();
            else await expect(read).rejects.toMatchObject({ code: 'NOT_FOUND' });
          }
        }),
        { numRuns: 25 },
      );
    });
  });
});
