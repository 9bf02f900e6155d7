import {
  forgeToken,
  request,
  startStack,
  testServerAvailable,
  tokenFor,
  type DatabaseKind,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Profile {
  userId: string;
  subject: string;
  displayName: string;
  email: string;
  locale: string;
  metadata: Record<string, unknown>;
}

interface AuditPage {
  events: {
    action: string;
    actorId: string;
    targetId: string;
    requestId: string;
    occurredAt: string;
  }[];
  nextPageToken?: string;
}

// The same flows run on the embedded database and on a PostgreSQL server, so
// the embedded default cannot drift from the real one.
const databases: DatabaseKind[] = (await testServerAvailable())
  ? ['embedded', 'server']
  : ['embedded'];

describe.each(databases)('profile flows on the %s database', (database) => {
  let stack: RunningStack;
  let alice: string;
  let bob: string;
  let admin: string;

  beforeAll(async () => {
    stack = await startStack({ database });
    alice = await tokenFor(stack, 'alice');
    bob = await tokenFor(stack, 'bob');
    admin = await tokenFor(stack, 'admin');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const api = (path: string) => `${stack.webUrl}/api${path}`;

  it('creates the user on first GET', async () => {
    const response = await request(api('/me'), { token: alice });
    expect(response.status).toBe(200);
    const profile = response.body as Profile;
    expect(profile.subject).toBe('6f0b5c1e-3a7d-4c2b-9e51-2d8f4a6b7c01');
    expect(profile.userId).toMatch(/^[0-9a-f-]{36}$/);

    const users = await stack.query('SELECT id FROM app.users WHERE subject = $1', [
      profile.subject,
    ]);
    expect(users).toHaveLength(1);
  });

  it('updates, reads back and audits', async () => {
    const changes = {
      displayName: 'Alice Liddell',
      email: 'alice@example.org',
      locale: 'en-GB',
      metadata: { lab: 'north', shelves: [1, 2] },
    };
    const patched = await request(api('/me'), {
      method: 'PATCH',
      token: alice,
      body: changes,
      headers: { 'x-request-id': `patch-${database}` },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject(changes);

    const read = await request(api('/me'), { token: alice });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject(changes);

    const userId = (read.body as Profile).userId;
    const audit = await request(api(`/admin/audit?userId=${userId}&action=profile.update`), {
      token: admin,
    });
    expect(audit.status).toBe(200);
    const events = (audit.body as AuditPage).events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'profile.update',
      actorId: userId,
      targetId: userId,
      requestId: `patch-${database}`,
    });
  });

  it('audits each profile read', async () => {
    const { userId } = (await request(api('/me'), { token: alice })).body as Profile;
    const before = await stack.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit.events WHERE action = 'profile.read' AND target_id = $1",
      [userId],
    );
    await request(api('/me'), { token: alice });
    const after = await stack.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit.events WHERE action = 'profile.read' AND target_id = $1",
      [userId],
    );
    expect(Number(after[0]?.n)).toBe(Number(before[0]?.n) + 1);
  });

  it('admin deletes user data and keeps the audit trail', async () => {
    const { userId } = (await request(api('/me'), { token: bob })).body as Profile;
    await request(api('/me'), { method: 'PATCH', token: bob, body: { displayName: 'Bob' } });

    const deleted = await request(api(`/admin/users/${userId}/data`), {
      method: 'DELETE',
      token: admin,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ userId });

    expect(await stack.query('SELECT 1 FROM app.users WHERE id = $1', [userId])).toHaveLength(0);
    expect(
      await stack.query('SELECT 1 FROM app.profiles WHERE user_id = $1', [userId]),
    ).toHaveLength(0);

    const audit = await request(api(`/admin/audit?userId=${userId}`), { token: admin });
    const actions = (audit.body as AuditPage).events.map((event) => event.action);
    expect(actions[0]).toBe('user.data.delete');
    expect(actions).toContain('profile.update');
    expect(actions).toContain('user.create');

    const again = await request(api(`/admin/users/${userId}/data`), {
      method: 'DELETE',
      token: admin,
    });
    expect(again.status).toBe(404);
  });

  it('pages the audit trail', async () => {
    const first = await request(api('/admin/audit?pageSize=2'), { token: admin });
    expect(first.status).toBe(200);
    const page = first.body as AuditPage;
    expect(page.events).toHaveLength(2);
    expect(page.nextPageToken).toBeTruthy();

    const second = await request(
      api(`/admin/audit?pageSize=2&pageToken=${encodeURIComponent(page.nextPageToken ?? '')}`),
      { token: admin },
    );
    const next = second.body as AuditPage;
    expect((next.events[0]?.occurredAt ?? '') <= (page.events[1]?.occurredAt ?? '')).toBe(true);
    expect(next.events.map((event) => JSON.stringify(event))).not.toContain(
      JSON.stringify(page.events[1]),
    );
  });

  it('rejects an upper-case user id', async () => {
    const { userId } = (await request(api('/me'), { token: alice })).body as Profile;
    const response = await request(api(`/admin/users/${userId.toUpperCase()}/data`), {
      method: 'DELETE',
      token: admin,
    });
    expect(response.status).toBe(400);
    expect(await stack.query('SELECT 1 FROM app.users WHERE id = $1', [userId])).toHaveLength(1);
  });

  it('serves no HEAD route that would run GET /api/me', async () => {
    const before = await stack.query<{ n: string }>('SELECT count(*) AS n FROM audit.events');
    const response = await request(api('/me'), { method: 'HEAD', token: alice });
    expect(response.status).toBe(404);
    const after = await stack.query<{ n: string }>('SELECT count(*) AS n FROM audit.events');
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it('lists events newest first', async () => {
    const response = await request(api('/admin/audit?pageSize=100'), { token: admin });
    const times = (response.body as AuditPage).events.map((event) => event.occurredAt);
    expect(times.length).toBeGreaterThanOrEqual(10);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('denies admin routes to a regular user', async () => {
    const audit = await request(api('/admin/audit'), { token: alice });
    expect(audit.status).toBe(403);
    expect(audit.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const { userId } = (await request(api('/me'), { token: alice })).body as Profile;
    const deletion = await request(api(`/admin/users/${userId}/data`), {
      method: 'DELETE',
      token: alice,
    });
    expect(deletion.status).toBe(403);
    expect(await stack.query('SELECT 1 FROM app.users WHERE id = $1', [userId])).toHaveLength(1);
  });

  it('rejects a forged admin role with a foreign key', async () => {
    const token = await forgeToken(stack, { claims: { roles: ['admin'] }, foreignKey: true });
    const response = await request(api('/admin/audit'), { token });
    expect(response.status).toBe(401);
  });
});
