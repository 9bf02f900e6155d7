import {
  forgeToken,
  invalidTokenCases,
  request,
  startStack,
  tokenFor,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let stack: RunningStack;
let alice: string;

beforeAll(async () => {
  stack = await startStack({ database: 'embedded' });
  alice = await tokenFor(stack, 'alice');
  // Creates alice's profile so later checks can prove it did not change.
  await request(`${stack.webUrl}/api/me`, { token: alice });
});

afterAll(async () => {
  await stack?.stop();
});

const me = () => `${stack.webUrl}/api/me`;

describe('web tier token checks', () => {
  it.each(invalidTokenCases)('rejects a token that is %s', async (_name, build) => {
    const response = await request(me(), { token: await build(stack) });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('rejects a token without exp', async () => {
    const token = await forgeToken(stack, { claims: { exp: undefined } });
    const response = await request(me(), { token });
    expect(response.status).toBe(401);
  });

  it('rejects a request without a token', async () => {
    const response = await request(me());
    expect(response.status).toBe(401);
  });

  it('accepts a token forged only in claims it may set', async () => {
    const response = await request(me(), { token: await forgeToken(stack) });
    expect(response.status).toBe(200);
  });
});

describe('web tier input validation', () => {
  async function profileState() {
    const rows = await stack.query<{ display_name: string; updated_at: Date }>(
      "SELECT p.display_name, p.updated_at FROM app.profiles p JOIN app.users u ON u.id = p.user_id WHERE u.subject = '6f0b5c1e-3a7d-4c2b-9e51-2d8f4a6b7c01'",
    );
    const updates = await stack.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit.events WHERE action = 'profile.update'",
    );
    return { profile: rows[0], updates: updates[0]?.n };
  }

  const cases: [
    string,
    { rawBody?: string; body?: unknown; headers?: Record<string, string> },
    number,
  ][] = [
    ['malformed JSON', { rawBody: '{"displayName": ' }, 400],
    ['an unknown field', { body: { displayName: 'A', isAdmin: true } }, 400],
    ['a wrong type', { body: { displayName: 42 } }, 400],
    ['an empty object', { body: {} }, 400],
    ['an invalid email', { body: { email: 'not-an-address' } }, 400],
    ['metadata that is an array', { body: { metadata: [1, 2] } }, 400],
    [
      'metadata nested too deep',
      { body: { metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } } },
      400,
    ],
    [
      'an oversized body',
      { body: { displayName: 'A', metadata: { blob: 'x'.repeat(40_000) } } },
      413,
    ],
    [
      'a non-JSON content type',
      { rawBody: 'displayName=A', headers: { 'content-type': 'text/plain' } },
      415,
    ],
  ];

  it.each(cases)('rejects %s and writes nothing', async (_name, init, status) => {
    const before = await profileState();
    const response = await request(me(), { method: 'PATCH', token: alice, ...init });

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status });
    expect(await profileState()).toEqual(before);
  });

  it('names the unknown field in the problem', async () => {
    const response = await request(me(), {
      method: 'PATCH',
      token: alice,
      body: { isAdmin: true },
    });
    expect(JSON.stringify(response.body)).toContain('isAdmin');
  });

  it('names the field with the wrong type', async () => {
    const response = await request(me(), {
      method: 'PATCH',
      token: alice,
      body: { displayName: 42 },
    });
    expect(JSON.stringify(response.body)).toContain('displayName');
  });
});
