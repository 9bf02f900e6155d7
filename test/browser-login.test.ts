import {
  browserLogin,
  loginUntilCallback,
  startStack,
  TestBrowser,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HOST = '127.0.0.1';
const SESSION_COOKIE = 'palisade_session';
const CSRF_HEADER = 'x-palisade-csrf';

describe('browser login against the development IdP', () => {
  let stack: RunningStack;

  beforeAll(async () => {
    stack = await startStack({ database: 'embedded' });
  });
  afterAll(() => stack?.stop());

  const api = (path: string) => `${stack.webUrl}/api${path}`;

  it('signs in, calls the API, signs out and rejects the old cookie', async () => {
    const { browser, callbackUrl } = await loginUntilCallback(stack, 'alice', {
      returnTo: '/notebook?tab=2',
    });
    const callback = await browser.request(callbackUrl.href);
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/notebook?tab=2');

    const setCookie = callback.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(callback.text).not.toMatch(/eyJ/);

    const session = await browser.request(api('/auth/session'));
    expect(session.status).toBe(200);
    expect(JSON.parse(session.text)).toMatchObject({ authenticatedBy: 'session', roles: ['user'] });

    const me = await browser.request(api('/me'));
    expect(me.status).toBe(200);

    const patched = await browser.request(api('/me'), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1', origin: stack.webUrl },
      body: JSON.stringify({ displayName: 'Alice via cookie' }),
    });
    expect(patched.status).toBe(200);

    const oldCookie = browser.cookie(HOST, SESSION_COOKIE);
    const logout = await browser.request(api('/auth/logout'), {
      method: 'POST',
      headers: { [CSRF_HEADER]: '1', origin: stack.webUrl },
    });
    expect(logout.status).toBe(204);
    expect(browser.cookie(HOST, SESSION_COOKIE)).toBeUndefined();

    const replayed = await fetch(api('/me'), {
      headers: { cookie: `${SESSION_COOKIE}=${oldCookie}` },
    });
    expect(replayed.status).toBe(401);
  });

  it('rejects a cookie-authenticated write without the CSRF header', async () => {
    const browser = await browserLogin(stack, 'bob');
    const response = await browser.request(api('/me'), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', origin: stack.webUrl },
      body: JSON.stringify({ displayName: 'forged' }),
    });

    expect(response.status).toBe(403);
  });

  it('rejects a cookie-authenticated write from another origin', async () => {
    const browser = await browserLogin(stack, 'bob');
    const response = await browser.request(api('/me'), {
      method: 'PATCH',
      headers: {
        'content-type': 'application/json',
        [CSRF_HEADER]: '1',
        origin: 'https://attacker.example',
      },
      body: JSON.stringify({ displayName: 'forged' }),
    });

    expect(response.status).toBe(403);
  });

  it('rejects a tampered state', async () => {
    const { browser, callbackUrl } = await loginUntilCallback(stack, 'alice');
    callbackUrl.searchParams.set('state', 'tampered-state-value');
    const response = await browser.request(callbackUrl.href);

    expect(response.status).toBe(400);
    expect(browser.cookie(HOST, SESSION_COOKIE)).toBeUndefined();
  });

  it('rejects a replayed callback', async () => {
    const { browser, callbackUrl } = await loginUntilCallback(stack, 'alice');
    const loginCookie = browser.cookie(HOST, 'palisade_login');
    const first = await browser.request(callbackUrl.href);
    expect(first.status).toBe(303);

    const replay = await fetch(callbackUrl.href, {
      redirect: 'manual',
      headers: { cookie: `palisade_login=${loginCookie}` },
    });
    expect(replay.status).toBe(400);
  });

  it('rejects a callback from a browser that did not start the login', async () => {
    const { callbackUrl } = await loginUntilCallback(stack, 'alice');
    const response = await new TestBrowser().request(callbackUrl.href);

    expect(response.status).toBe(400);
  });

  it.each([
    'https://attacker.example/',
    '//attacker.example/path',
    '/\\attacker.example',
    'notebook',
  ])('rejects the return path %s', async (returnTo) => {
    const response = await new TestBrowser().request(
      `${api('/auth/login')}?returnTo=${encodeURIComponent(returnTo)}`,
    );

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('never adopts a session id set before login', async () => {
    const browser = new TestBrowser();
    browser.setCookie(HOST, SESSION_COOKIE, 'planted-session-id');
    await browserLogin(stack, 'alice', { browser });

    const issued = browser.cookie(HOST, SESSION_COOKIE);
    expect(issued).toBeDefined();
    expect(issued).not.toBe('planted-session-id');
    const planted = await fetch(api('/me'), {
      headers: { cookie: `${SESSION_COOKIE}=planted-session-id` },
    });
    expect(planted.status).toBe(401);
  });

  it('redirects to the IdP with PKCE, state and nonce', async () => {
    const response = await new TestBrowser().request(api('/auth/login'));
    const location = new URL(response.headers.get('location') ?? '');

    expect(response.status).toBe(303);
    expect(location.origin).toBe(stack.idpUrl);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('state')).toMatch(/.{20,}/);
    expect(location.searchParams.get('nonce')).toMatch(/.{20,}/);
    expect(location.searchParams.get('redirect_uri')).toBe(`${stack.webUrl}/api/auth/callback`);
  });

  it('keeps bearer tokens working without the CSRF header', async () => {
    const { tokenFor } = await import('@palisade/testkit');
    const token = await tokenFor(stack, 'bob');
    const response = await fetch(api('/me'), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ locale: 'en' }),
    });

    expect(response.status).toBe(200);
  });
});
