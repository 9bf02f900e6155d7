import type { RunningStack } from './stack.js';

/** A response as the test browser saw it; redirects are not followed. */
export interface BrowserResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * A minimal browser for tests: a cookie jar keyed by host (cookies ignore ports, as in browsers),
 * no automatic redirects, and no JavaScript. It honours Max-Age=0 and expired cookies.
 */
export class TestBrowser {
  readonly #cookies = new Map<string, Map<string, string>>();

  /** Sends a request with the cookies stored for the URL's host. */
  async request(url: string, init: RequestInit = {}): Promise<BrowserResponse> {
    const host = new URL(url).hostname;
    const jar = this.#jar(host);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers = new Headers(init.headers);
    if (cookie !== '') headers.set('cookie', cookie);

    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const header of response.headers.getSetCookie()) this.#store(jar, header);
    return { url, status: response.status, headers: response.headers, text: await response.text() };
  }

  /** Posts an HTML form. */
  postForm(url: string, fields: Record<string, string>): Promise<BrowserResponse> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /**
   * Follows redirects from `url` until a response that is not a redirect, or until the next
   * location satisfies `stopAt`. Returns the last response and the next location, if any.
   */
  async follow(
    url: string,
    stopAt: (location: URL) => boolean = () => false,
  ): Promise<{ response: BrowserResponse; location: URL | undefined }> {
    let current = url;
    for (let hop = 0; hop < 10; hop += 1) {
      const response = await this.request(current);
      const header = response.headers.get('location');
      if (header === null) return { response, location: undefined };

      const location = new URL(header, current);
      if (stopAt(location)) return { response, location };
      current = location.href;
    }
    throw new Error(`too many redirects, last at ${current}`);
  }

  /** Returns a cookie's value for `host`, or undefined. */
  cookie(host: string, name: string): string | undefined {
    return this.#jar(host).get(name);
  }

  /** Sets a cookie by hand, as an attacker who planted it would. */
  setCookie(host: string, name: string, value: string): void {
    this.#jar(host).set(name, value);
  }

  #jar(host: string): Map<string, string> {
    let jar = this.#cookies.get(host);
    if (jar === undefined) {
      jar = new Map();
      this.#cookies.set(host, jar);
    }
    return jar;
  }

  #store(jar: Map<string, string>, header: string): void {
    const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator);
    const value = pair.slice(separator + 1);
    const expired = attributes.some(
      (attribute) => /^max-age=0$/i.test(attribute) || /^expires=.*1970/i.test(attribute),
    );
    if (value === '' || expired) jar.delete(name);
    else jar.set(name, value);
  }
}

/** A browser login stopped at the redirect to the web tier's callback URL, before calling it. */
export interface PendingCallback {
  readonly browser: TestBrowser;
  /** The callback URL the IdP redirected to, with `code` and `state`. */
  readonly callbackUrl: URL;
}

/**
 * Runs a browser login against the stack up to the redirect back to the web tier: GET
 * /api/auth/login, the IdP's login form, the automatic consent. The caller then requests
 * `callbackUrl` itself, so a test can tamper with it or replay it.
 */
export async function loginUntilCallback(
  stack: RunningStack,
  username: string,
  options: { browser?: TestBrowser; returnTo?: string } = {},
): Promise<PendingCallback> {
  const browser = options.browser ?? new TestBrowser();
  const loginUrl = new URL(`${stack.webUrl}/api/auth/login`);
  if (options.returnTo !== undefined) loginUrl.searchParams.set('returnTo', options.returnTo);
  const isCallback = (location: URL) =>
    location.href.startsWith(`${stack.webUrl}/api/auth/callback`);

  const form = await browser.follow(loginUrl.href, isCallback);
  const action = /<form method="post" action="([^"]+)"/.exec(form.response.text)?.[1];
  if (action === undefined) {
    throw new Error(
      `no login form at ${form.response.url}: ${form.response.status} ${form.response.text.slice(0, 200)}`,
    );
  }

  const submitted = await browser.postForm(new URL(action, stack.idpUrl).href, {
    username,
    password: username,
  });
  const resumeAt = submitted.headers.get('location');
  if (resumeAt === null)
    throw new Error(`login form returned ${submitted.status} without a redirect`);

  const consent = await browser.follow(new URL(resumeAt, stack.idpUrl).href, isCallback);
  if (consent.location === undefined) {
    throw new Error(`the IdP did not redirect to the callback: ${consent.response.status}`);
  }
  return { browser, callbackUrl: consent.location };
}

/** Runs a whole browser login and returns the browser holding the session cookie. */
export async function browserLogin(
  stack: RunningStack,
  username: string,
  options: { browser?: TestBrowser; returnTo?: string } = {},
): Promise<TestBrowser> {
  const { browser, callbackUrl } = await loginUntilCallback(stack, username, options);
  const callback = await browser.request(callbackUrl.href);
  if (callback.status !== 303) {
    throw new Error(`callback returned ${callback.status}: ${callback.text.slice(0, 300)}`);
  }
  return browser;
}
