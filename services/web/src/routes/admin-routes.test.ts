import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { STUB_USER_ID } from '../testing/gatekeeper-stub.js';
import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';

let testbed: WebTestbed;
let authorization: string;

beforeAll(async () => {
  testbed = await startWebTestbed();
  authorization = await testbed.bearer(['admin']);
});
afterAll(() => testbed.close());
beforeEach(() => {
  testbed.gatekeeperStub.calls.length = 0;
});

function getAudit(query: string) {
  return testbed.app.inject({ url: `/api/admin/audit${query}`, headers: { authorization } });
}

function fieldsOf(response: { json: () => unknown }): string[] {
  const problem = response.json() as { errors?: { field: string }[] };
  return (problem.errors ?? []).map((error) => error.field);
}

describe('DELETE /api/admin/users/:id/data', () => {
  it('returns the user id and deletion time', async () => {
    const response = await testbed.app.inject({
      method: 'DELETE',
      url: `/api/admin/users/${STUB_USER_ID}/data`,
      headers: { authorization },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      userId: STUB_USER_ID,
      deletedAt: '2025-01-02T03:04:05.000Z',
    });
    expect(testbed.gatekeeperStub.calls[0]?.request).toEqual({ userId: STUB_USER_ID });
  });

  it('rejects an id that is not a UUID', async () => {
    const response = await testbed.app.inject({
      method: 'DELETE',
      url: '/api/admin/users/42/data',
      headers: { authorization },
    });

    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response)).toEqual(['id']);
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });
});

describe('GET /api/admin/audit', () => {
  it('lists events with the default page size', async () => {
    const response = await getAudit('');

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      events: [
        {
          id: '1',
          actorId: STUB_USER_ID,
          actorSubject: 'alice',
          action: 'profile.update',
          targetType: 'user',
          targetId: STUB_USER_ID,
          requestId: 'request-1',
          occurredAt: '2025-01-02T03:04:05.000Z',
        },
      ],
      nextPageToken: 'page-2',
    });
    expect(testbed.gatekeeperStub.calls[0]?.request).toEqual({
      userId: '',
      action: '',
      pageSize: 20,
      pageToken: '',
    });
  });

  it('passes the filters and page token', async () => {
    const response = await getAudit(
      `?userId=${STUB_USER_ID}&action=profile.update&pageSize=5&pageToken=page-2`,
    );

    expect(response.statusCode).toBe(200);
    expect(response.json()).not.toHaveProperty('nextPageToken');
    expect(testbed.gatekeeperStub.calls[0]?.request).toEqual({
      userId: STUB_USER_ID,
      action: 'profile.update',
      pageSize: 5,
      pageToken: 'page-2',
    });
  });

  it.each([
    ['?pageSize=0', 'pageSize'],
    ['?pageSize=101', 'pageSize'],
    ['?pageSize=ten', 'pageSize'],
    ['?userId=alice', 'userId'],
    ['?action=DROP%20TABLE', 'action'],
    ['?sort=asc', 'sort'],
  ])('rejects %s naming %s', async (query, field) => {
    const response = await getAudit(query);

    expect(response.statusCode).toBe(400);
    expect(fieldsOf(response)).toEqual([field]);
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });
});
