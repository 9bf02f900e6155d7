import { createHash, randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { developmentAccounts } from '../src/accounts.js';
import { DEVELOPMENT_WEB_CLIENT_SECRET } from '../src/secrets.js';
import { runIdpUntilExit, startIdp, startProductionIdp, type IdpProcess } from './idp-process.js';

const API_AUDIENCE = 'https://api.palisade.local';
const WEB_CLIENT_ID = 'palisade-web';
const REDIRECT_URI = 'http://127.0.0.1:3000/api/auth/callback';

function accountNamed(username: string) {
  const account = developmentAccounts.find((candidate) => candidate.username === username);
  if (!account) throw new Error(`no seeded account ${username}`);
  return account;
}

async function requestToken(idp: IdpProcess, body: unknown, contentType = 'application/json') {
  return fetch(`${idp.url}/development/token`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function verifyAccessToken(idp: IdpProcess, token: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${idp.url}/jwks`));
  const { payload } = await jwtVerify(token, jwks, {
    issuer: idp.url,
    audience: API_AUDIENCE,
    typ: 'at+jwt',
    algorithms: ['ES256'],
  });
  return payload;
}

describe('idp in development mode', () => {
  let idp: IdpProcess;

  beforeAll(async () => {
    idp = await startIdp();
  });

  afterAll(async () => {
    await idp.stop();
  });

  it('answers the health check', async () => {
    const response = await fetch(`${idp.url}/healthz`);

    expect(response.status).toBe(200);
  });

  it('publishes the discovery document', async () => {
    const response = await fetch(`${idp.url}/.well-known/openid-configuration`);
    const discovery = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(200);
    expect(discovery.issuer).toBe(idp.url);
    expect(discovery.jwks_uri).toBe(`${idp.url}/jwks`);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    expect(discovery.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'offline_access', 'api']),
    );
  });

  it('publishes only public keys', async () => {
    const response = await fetch(`${idp.url}/jwks`);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };

    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toHaveProperty('d');
      expect(key.alg).toBe('ES256');
    }
  });

  it('creates the signing key file with mode 0600', async () => {
    const { mode } = await stat(join(idp.directory, 'jwks.json'));

    expect(mode & 0o777).toBe(0o600);
  });

  it('issues a verifiable development token for alice', async () => {
    const response = await requestToken(idp, { username: 'alice' });
    const body = (await response.json()) as Record<string, unknown>;
    const token = String(body.access_token);
    const payload = await verifyAccessToken(idp, token);

    expect(response.status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(600);
    expect(decodeProtectedHeader(token).typ).toBe('at+jwt');
    expect(payload.sub).toBe(accountNamed('alice').subject);
    expect(payload.roles).toEqual(['user']);
    expect(payload.client_id).toBe(WEB_CLIENT_ID);
    expect(payload.scope).toBe('api');
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp).toBe(Number(payload.iat) + 600);
  });

  it('issues admin tokens with the admin role', async () => {
    const response = await requestToken(idp, { username: 'admin' });
    const body = (await response.json()) as { access_token: string };
    const payload = await verifyAccessToken(idp, body.access_token);

    expect(payload.sub).toBe(accountNamed('admin').subject);
    expect(payload.roles).toEqual(['admin']);
  });

  it('issues a distinct token id per request', async () => {
    const first = (await (await requestToken(idp, { username: 'bob' })).json()) as {
      access_token: string;
    };
    const second = (await (await requestToken(idp, { username: 'bob' })).json()) as {
      access_token: string;
    };
    const firstPayload = await verifyAccessToken(idp, first.access_token);
    const secondPayload = await verifyAccessToken(idp, second.access_token);

    expect(firstPayload.sub).toBe(accountNamed('bob').subject);
    expect(firstPayload.jti).not.toBe(secondPayload.jti);
  });

  it('rejects an unknown username naming the valid ones', async () => {
    const response = await requestToken(idp, { username: 'mallory' });
    const body = (await response.json()) as { error: string; error_description: string };

    expect(response.status).toBe(400);
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toContain('"mallory"');
    expect(body.error_description).toContain('alice, bob, admin');
  });

  it('rejects a body without a username', async () => {
    const response = await requestToken(idp, { user: 'alice' });

    expect(response.status).toBe(400);
  });

  it('rejects a body that is not JSON', async () => {
    const response = await requestToken(idp, '{username', 'application/json');

    expect(response.status).toBe(400);
  });

  it('rejects a non-JSON content type', async () => {
    const response = await requestToken(idp, 'username=alice', 'text/plain');

    expect(response.status).toBe(415);
  });

  it('rejects a body over the size limit', async () => {
    const response = await requestToken(idp, { username: 'a'.repeat(20_000) });

    expect(response.status).toBe(413);
  });

  it('rejects GET on the development token path', async () => {
    const response = await fetch(`${idp.url}/development/token`);

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('never logs issued tokens', async () => {
    const body = (await (await requestToken(idp, { username: 'alice' })).json()) as {
      access_token: string;
    };

    const output = await idp.settledStdout();

    expect(output).toContain('development token issued');
    expect(output).not.toContain(body.access_token);
  });

  it('logs in through the browser code flow with PKCE', async () => {
    const result = await runCodeFlow(idp, { username: 'alice', password: 'alice' });
    const payload = await verifyAccessToken(idp, result.accessToken);

    expect(payload.sub).toBe(accountNamed('alice').subject);
    expect(payload.roles).toEqual(['user']);
    expect(payload.scope).toBe('api');
    expect(decodeProtectedHeader(result.idToken).alg).toBe('ES256');
    expect(await idp.settledStdout()).not.toContain(result.accessToken);
  });

  it('refreshes to a new API access token', async () => {
    const { refreshToken } = await runCodeFlow(idp, { username: 'bob', password: 'bob' });
    const response = await fetch(`${idp.url}/token`, {
      method: 'POST',
      headers: { authorization: basicAuthorization() },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    const body = (await response.json()) as { access_token: string };
    const payload = await verifyAccessToken(idp, body.access_token);

    expect(response.status).toBe(200);
    expect(payload.sub).toBe(accountNamed('bob').subject);
    expect(payload.roles).toEqual(['user']);
  });

  it('introspects and revokes a refresh token', async () => {
    const { refreshToken } = await runCodeFlow(idp, { username: 'alice', password: 'alice' });
    const introspect = async () => {
      const response = await fetch(`${idp.url}/token/introspection`, {
        method: 'POST',
        headers: { authorization: basicAuthorization() },
        body: new URLSearchParams({ token: refreshToken }),
      });
      return (await response.json()) as { active: boolean; sub?: string };
    };

    const before = await introspect();
    const revocation = await fetch(`${idp.url}/token/revocation`, {
      method: 'POST',
      headers: { authorization: basicAuthorization() },
      body: new URLSearchParams({ token: refreshToken }),
    });
    const after = await introspect();

    expect(before.active).toBe(true);
    expect(before.sub).toBe(accountNamed('alice').subject);
    expect(revocation.status).toBe(200);
    expect(after.active).toBe(false);
  });

  it('rejects introspection of JWT access tokens', async () => {
    // oidc-provider 9 rejects structured tokens here; resource servers verify them locally.
    const token = (await (await requestToken(idp, { username: 'alice' })).json()) as {
      access_token: string;
    };
    const response = await fetch(`${idp.url}/token/introspection`, {
      method: 'POST',
      headers: { authorization: basicAuthorization() },
      body: new URLSearchParams({ token: token.access_token }),
    });
    const body = (await response.json()) as { error: string };

    expect(response.status).toBe(400);
    expect(body.error).toBe('unsupported_token_type');
  });

  it('rejects introspection with a wrong client secret', async () => {
    const response = await fetch(`${idp.url}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${WEB_CLIENT_ID}:wrong`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: 'anything' }),
    });

    expect(response.status).toBe(401);
  });

  it('shows the sign-out page to a signed-in user', async () => {
    const { browser } = await runCodeFlow(idp, { username: 'bob', password: 'bob' });
    const response = await browser.request(`${idp.url}/session/end`);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(html).toContain('Sign out of the Palisade development IdP?');
  });

  it('rejects a wrong password on the login form', async () => {
    const browser = new Browser();
    const login = await browser.follow(authorizationUrl(idp, pkcePair().challenge), idp.url);
    const response = await browser.postForm(`${idp.url}${loginAction(login.html)}`, {
      username: 'alice',
      password: 'wrong',
    });

    expect(response.status).toBe(401);
    expect(await response.text()).toContain('Invalid username or password.');
  });

  it('rejects an authorization request without PKCE', async () => {
    const url = new URL(authorizationUrl(idp, 'unused'));
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '', idp.url);

    expect(response.status).toBe(303);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('rejects an unknown interaction', async () => {
    const response = await fetch(`${idp.url}/interaction/unknown`);

    expect(response.status).toBe(400);
  });
});

describe('idp in production mode', () => {
  let idp: IdpProcess;

  beforeAll(async () => {
    idp = await startProductionIdp();
  });

  afterAll(async () => {
    await idp.stop();
  });

  it('answers 404 on the development token path', async () => {
    const response = await requestToken(idp, { username: 'alice' });
    const body = (await response.json()) as { error: string; error_description: string };

    expect(response.status).toBe(404);
    expect(body.error).toBe('not_found');
    expect(body.error_description).toContain('IDP_MODE=development');
    expect(await idp.settledStdout()).not.toContain('development token issued');
  });

  it('logs its mode at start-up', () => {
    expect(idp.stdout()).toContain('"mode":"production"');
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await idp.stop();

    expect(code).toBe(0);
    expect(idp.stdout()).toContain('"msg":"idp stopped"');
  });
});

describe('idp start-up failures', () => {
  it('exits when the JWKS file is missing in production', async () => {
    const result = await runIdpUntilExit({
      IDP_MODE: 'production',
      IDP_PORT: '0',
      IDP_JWKS_FILE: '/nonexistent/palisade/jwks.json',
    });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('IDP_JWKS_FILE=/nonexistent/palisade/jwks.json does not exist');
  });

  it('exits when IDP_PORT is not a number', async () => {
    const result = await runIdpUntilExit({
      IDP_MODE: 'development',
      IDP_PORT: 'abc',
      IDP_JWKS_FILE: '/nonexistent/palisade/jwks.json',
    });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('IDP_PORT="abc" is invalid');
  });

  it('exits when IDP_JWKS_FILE is not set', async () => {
    const result = await runIdpUntilExit({ IDP_MODE: 'development', IDP_PORT: '0' });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('IDP_JWKS_FILE is missing');
  });

  it('exits when IDP_MODE is unknown', async () => {
    const result = await runIdpUntilExit({
      IDP_MODE: 'staging',
      IDP_PORT: '0',
      IDP_JWKS_FILE: '/nonexistent/palisade/jwks.json',
    });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('IDP_MODE="staging" is invalid');
  });

  it('exits when a redirect URI is not a URL', async () => {
    const result = await runIdpUntilExit({
      IDP_MODE: 'development',
      IDP_PORT: '0',
      IDP_JWKS_FILE: '/nonexistent/palisade/jwks.json',
      IDP_WEB_REDIRECT_URIS: 'http://127.0.0.1:3000/cb,not a url',
    });

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('IDP_WEB_REDIRECT_URIS=');
  });

  it('exits when the JWKS file is not JSON', async () => {
    const idp = await startIdp();
    const path = join(idp.directory, 'broken.json');
    await writeFile(path, 'not json');
    const result = await runIdpUntilExit({
      IDP_MODE: 'production',
      IDP_PORT: '0',
      IDP_JWKS_FILE: path,
    });
    await idp.stop();

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('is invalid: it is not valid JSON');
  });

  it('exits when the JWKS has no ES256 private key', async () => {
    const idp = await startIdp();
    const path = join(idp.directory, 'public.json');
    const jwks: unknown = await (await fetch(`${idp.url}/jwks`)).json();
    await writeFile(path, JSON.stringify(jwks));
    const result = await runIdpUntilExit({
      IDP_MODE: 'development',
      IDP_PORT: '0',
      IDP_JWKS_FILE: path,
    });
    await idp.stop();

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('contains no P-256 private key');
  });

  it('exits in production without secret files', async () => {
    const idp = await startIdp();
    const result = await runIdpUntilExit({
      IDP_MODE: 'production',
      IDP_PORT: '0',
      IDP_JWKS_FILE: join(idp.directory, 'jwks.json'),
    });
    await idp.stop();

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'IDP_WEB_CLIENT_SECRET_FILE and IDP_COOKIE_KEYS_FILE must be set',
    );
  });

  it('exits in production without a cookie keys file', async () => {
    const idp = await startIdp();
    const secretPath = join(idp.directory, 'client-secret');
    await writeFile(secretPath, 's'.repeat(40));
    const result = await runIdpUntilExit({
      IDP_MODE: 'production',
      IDP_PORT: '0',
      IDP_JWKS_FILE: join(idp.directory, 'jwks.json'),
      IDP_WEB_CLIENT_SECRET_FILE: secretPath,
    });
    await idp.stop();

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('IDP_COOKIE_KEYS_FILE must be set');
  });

  it('exits when the client secret is too short', async () => {
    const idp = await startIdp();
    const secretPath = join(idp.directory, 'client-secret');
    await writeFile(secretPath, 'short');
    const result = await runIdpUntilExit({
      IDP_MODE: 'development',
      IDP_PORT: '0',
      IDP_JWKS_FILE: join(idp.directory, 'jwks.json'),
      IDP_WEB_CLIENT_SECRET_FILE: secretPath,
    });
    await idp.stop();

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('the secret must be at least 32 characters');
  });
});

// --- browser code flow helpers ---

interface CodeFlowResult {
  /** The user agent, still holding the IdP's session cookies. */
  readonly browser: Browser;
  readonly accessToken: string;
  readonly idToken: string;
  readonly refreshToken: string;
}

/** Minimal cookie-keeping user agent that follows redirects by hand. */
class Browser {
  readonly #cookies = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie },
    });

    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return response;
  }

  postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /**
   * Follows redirects within the IdP until a page is shown or the browser is
   * sent to another origin, and returns where it stopped.
   */
  async follow(
    url: string,
    origin: string,
  ): Promise<{ url: string; status: number; html: string }> {
    let current = url;
    for (let hop = 0; hop < 10; hop += 1) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (!location) return { url: current, status: response.status, html: await response.text() };

      current = new URL(location, current).href;
      if (!current.startsWith(origin)) return { url: current, status: response.status, html: '' };
    }
    throw new Error(`too many redirects, last at ${current}`);
  }
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function authorizationUrl(idp: IdpProcess, challenge: string): string {
  const url = new URL(`${idp.url}/auth`);
  url.search = new URLSearchParams({
    client_id: WEB_CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access api',
    // OpenID Connect grants offline_access only together with prompt=consent.
    prompt: 'consent',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
  }).toString();
  return url.href;
}

function loginAction(html: string): string {
  const match = /<form method="post" action="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no login form in page: ${html.slice(0, 200)}`);
  return match[1];
}

function basicAuthorization(): string {
  const credentials = `${WEB_CLIENT_ID}:${DEVELOPMENT_WEB_CLIENT_SECRET}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

async function runCodeFlow(
  idp: IdpProcess,
  credentials: { username: string; password: string },
): Promise<CodeFlowResult> {
  const browser = new Browser();
  const { verifier, challenge } = pkcePair();

  const login = await browser.follow(authorizationUrl(idp, challenge), idp.url);
  expect(login.status).toBe(200);

  const submitted = await browser.postForm(`${idp.url}${loginAction(login.html)}`, credentials);
  expect(submitted.status).toBe(303);

  const resumed = new URL(submitted.headers.get('location') ?? '', idp.url).href;
  const callback = await browser.follow(resumed, idp.url);
  const callbackUrl = new URL(callback.url);
  expect(callbackUrl.origin + callbackUrl.pathname).toBe(REDIRECT_URI);

  const code = callbackUrl.searchParams.get('code');
  expect(code).toBeTypeOf('string');

  const response = await fetch(`${idp.url}/token`, {
    method: 'POST',
    headers: { authorization: basicAuthorization() },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status).toBe(200);

  return {
    browser,
    accessToken: stringField(body, 'access_token'),
    idToken: stringField(body, 'id_token'),
    refreshToken: stringField(body, 'refresh_token'),
  };
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`token response has no ${name}: ${JSON.stringify(Object.keys(body))}`);
  }
  return value;
}
