import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { stubProfile } from '../testing/gatekeeper-stub.js';
import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';

let testbed: WebTestbed;
let authorization: string;

beforeAll(async () => {
  testbed = await startWebTestbed();
  authorization = await testbed.bearer();
});
afterAll(() => testbed.close());
beforeEach(() => {
  testbed.gatekeeperStub.calls.length = 0;
});

function patchMe(payload: string, contentType = 'application/json') {
  return testbed.app.inject({
    method: 'PATCH',
    url: '/api/me',
    headers: { authorization, 'content-type': contentType },
    payload,
  });
}

describe('GET /api/me', () => {
  it('returns the profile from EnsureUser', async () => {
    const response = await testbed.app.inject({ url: '/api/me', headers: { authorization } });

    expect(response.statusCode).toBe(200);
    const profile = stubProfile();
    expect(response.json()).toEqual({
      userId: profile.userId,
      subject: 'alice',
      displayName: 'Alice',
      email: 'alice@example.com',
      locale: 'en',
      metadata: { team: 'chemistry' },
      createdAt: '2025-01-02T03:04:05.000Z',
      updatedAt: '2025-01-02T03:04:05.000Z',
    });
    expect(testbed.gatekeeperStub.calls.map((call) => call.method)).toEqual(['EnsureUser']);
  });

  it('forwards the token, request id and trace context', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await testbed.app.inject({
      url: '/api/me',
      headers: { authorization, 'x-request-id': 'req-42', traceparent, tracestate: 'vendor=1' },
    });

    const metadata = testbed.gatekeeperStub.calls[0]?.metadata ?? {};
    expect(metadata.authorization).toBe(authorization);
    expect(metadata['x-request-id']).toBe('req-42');
    expect(metadata.traceparent).toBe(traceparent);
    expect(metadata.tracestate).toBe('vendor=1');
  });

  it('drops a malformed traceparent', async () => {
    await testbed.app.inject({
      url: '/api/me',
      headers: { authorization, traceparent: 'not-a-trace', tracestate: 'vendor=1' },
    });

    const metadata = testbed.gatekeeperStub.calls[0]?.metadata ?? {};
    expect(metadata.traceparent).toBeUndefined();
    expect(metadata.tracestate).toBeUndefined();
  });

  it('sets a deadline within the gatekeeper timeout', async () => {
    const before = Date.now();
    await testbed.app.inject({ url: '/api/me', headers: { authorization } });

    const deadline = new Date(testbed.gatekeeperStub.calls[0]?.deadline ?? Infinity).getTime();
    expect(deadline).toBeLessThanOrEqual(before + 2000 + 50);
    expect(deadline).toBeGreaterThan(before);
  });
});

describe('PATCH /api/me', () => {
  it('sends UpdateProfile with the given fields in the mask', async () => {
    const response = await patchMe(JSON.stringify({ displayName: 'Ann', locale: 'en-GB' }));

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ displayName: 'Ann', locale: 'en-GB' });
    const call = testbed.gatekeeperStub.calls[0];
    expect(call?.method).toBe('UpdateProfile');
    expect(call?.request).toMatchObject({
      userId: '',
      updateMask: ['display_name', 'locale'],
      displayName: 'Ann',
      locale: 'en-GB',
    });
  });

  it('sends metadata as a struct', async () => {
    const metadata = { lab: 'B2', tags: ['x', 'y'], limits: { max: 3, on: true, note: null } };
    const response = await patchMe(JSON.stringify({ metadata }));

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ metadata });
    expect(testbed.gatekeeperStub.calls[0]?.request).toMatchObject({
      updateMask: ['metadata'],
      metadata,
    });
  });

  it('accepts metadata five levels deep', async () => {
    const response = await patchMe(
      JSON.stringify({ metadata: { a: { b: { c: { d: { e: 1 } } } } } }),
    );

    expect(response.statusCode).toBe(200);
  });

  it('accepts a JSON merge patch media type', async () => {
    const response = await patchMe(
      JSON.stringify({ email: 'ann@example.com' }),
      'application/merge-patch+json',
    );

    expect(response.statusCode).toBe(200);
    expect(testbed.gatekeeperStub.calls).toHaveLength(1);
  });
});

describe('PATCH /api/me validation', () => {
  function expectRejected(
    response: Awaited<ReturnType<typeof patchMe>>,
    status: number,
    field?: string,
  ) {
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json<{ status: number; errors?: { field: string }[] }>();
    expect(problem.status).toBe(status);
    if (field !== undefined) expect(problem.errors?.map((error) => error.field)).toEqual([field]);
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  }

  it('rejects malformed JSON', async () => {
    expectRejected(await patchMe('{"displayName": '), 400);
  });

  it('rejects an empty JSON body', async () => {
    expectRejected(await patchMe(''), 400);
  });

  it('rejects a body without properties', async () => {
    expectRejected(await patchMe('{}'), 400, 'body');
  });

  it('rejects a body that is not an object', async () => {
    expectRejected(await patchMe('["displayName"]'), 400, 'body');
  });

  it('rejects a missing body', async () => {
    const response = await testbed.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { authorization },
    });
    expectRejected(response, 400, 'body');
  });

  it('names an unknown property', async () => {
    expectRejected(await patchMe('{"displayName":"A","isAdmin":true}'), 400, '/isAdmin');
  });

  it('rejects a number as display name', async () => {
    expectRejected(await patchMe('{"displayName":5}'), 400, '/displayName');
  });

  it('rejects a string as metadata', async () => {
    expectRejected(await patchMe('{"metadata":"x"}'), 400, '/metadata');
  });

  it('rejects an empty display name', async () => {
    expectRejected(await patchMe('{"displayName":""}'), 400, '/displayName');
  });

  it('rejects a display name over 100 characters', async () => {
    const body = JSON.stringify({ displayName: 'a'.repeat(101) });
    expectRejected(await patchMe(body), 400, '/displayName');
  });

  it('rejects control characters in the display name', async () => {
    expectRejected(await patchMe('{"displayName":"A\\u0000B"}'), 400, '/displayName');
  });

  it('rejects an invalid email', async () => {
    expectRejected(await patchMe('{"email":"not-an-email"}'), 400, '/email');
  });

  it('rejects an email over 254 characters', async () => {
    const body = JSON.stringify({ email: `${'a'.repeat(250)}@example.com` });
    expectRejected(await patchMe(body), 400, '/email');
  });

  it('rejects an invalid locale', async () => {
    expectRejected(await patchMe('{"locale":"english please"}'), 400, '/locale');
  });

  it('rejects metadata nested too deep', async () => {
    const body = JSON.stringify({ metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } });
    expectRejected(await patchMe(body), 400, '/metadata/a/b/c/d/e');
  });

  it('rejects metadata nested thousands of levels deep', async () => {
    const depth = 7000;
    const body = `{"metadata":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    expectRejected(await patchMe(body), 400, '/metadata/a/0/0/0/0');
  });

  it('rejects metadata over 4096 bytes', async () => {
    const body = JSON.stringify({ metadata: { text: 'x'.repeat(4100) } });
    expectRejected(await patchMe(body), 400, '/metadata');
  });

  it('rejects metadata with too many keys', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 1]));
    expectRejected(await patchMe(JSON.stringify({ metadata })), 400, '/metadata');
  });

  it('rejects a body over the size limit', async () => {
    const body = JSON.stringify({ displayName: 'a'.repeat(20_000) });
    expectRejected(await patchMe(body), 413);
  });

  it('rejects a non-JSON content type', async () => {
    expectRejected(await patchMe('displayName=Ann', 'application/x-www-form-urlencoded'), 415);
  });

  it('rejects a prototype-poisoning key', async () => {
    expectRejected(await patchMe('{"__proto__":{"displayName":"x"}}'), 400);
  });

  it.each([
    ['a __proto__ key', '{"displayName":"x","__proto__":{"admin":true}}', '"__proto__" key'],
    [
      'a constructor prototype',
      '{"constructor":{"prototype":{"admin":true}}}',
      '"constructor" key',
    ],
    ['a key after a BOM', '\uFEFF{"__proto__":{"admin":true}}', '"__proto__" key'],
  ])('names the forbidden key: %s', async (_case, body, key) => {
    const response = await patchMe(body);

    expectRejected(response, 400);
    expect(response.json<{ title: string }>().title).toBe('Bad request');
    expect(response.json<{ detail: string }>().detail).toContain(key);
  });

  it('still calls a truncated body invalid JSON', async () => {
    const response = await patchMe('{"displayName":');

    expectRejected(response, 400);
    expect(response.json<{ detail: string }>().detail).toBe('The request body is not valid JSON');
  });

  it('checks the token before reading the body', async () => {
    const response = await testbed.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expectRejected(response, 401);
  });
});
