import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

import type Provider from 'oidc-provider';
import type { Logger } from 'pino';

import { developmentAccounts, findAccountByUsername, type DevelopmentAccount } from './accounts.js';
import { BodyTooLargeError, readBody, sendJson } from './http.js';
import { API_SCOPE } from './provider.js';
import type { ResourceServer } from 'oidc-provider';

/** Path of the development token endpoint. */
export const DEVELOPMENT_TOKEN_PATH = '/development/token';

export interface DevelopmentTokenOptions {
  readonly provider: Provider;
  /** Client the token is issued to, the same one a browser login uses. */
  readonly clientId: string;
  readonly apiAudience: string;
  readonly apiResourceServer: ResourceServer;
  readonly logger: Logger;
}

/** An issued access token and its lifetime in seconds. */
export interface DevelopmentToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

/**
 * Issues an API access token for a seeded account through oidc-provider's own
 * Grant and AccessToken models, so it is the same JWT a browser login yields.
 */
export async function issueDevelopmentToken(
  options: DevelopmentTokenOptions,
  account: DevelopmentAccount,
): Promise<DevelopmentToken> {
  const { provider, clientId, apiAudience } = options;
  const client = await provider.Client.find(clientId);
  if (!client) throw new Error(`client ${clientId} is not registered`);

  const grant = new provider.Grant({ accountId: account.subject, clientId });
  grant.addOIDCScope('openid profile email');
  grant.addResourceScope(apiAudience, API_SCOPE);
  const grantId = await grant.save();

  const accessToken = new provider.AccessToken({
    accountId: account.subject,
    client,
    grantId,
    gty: 'development_token',
    scope: API_SCOPE,
    resourceServer: new provider.ResourceServer(apiAudience, options.apiResourceServer),
  });
  const value = await accessToken.save();

  return { accessToken: value, expiresIn: accessToken.expiration };
}

/**
 * Serves `POST /development/token` with a JSON body `{"username": "alice"}`
 * for clients without a browser. Register it only in development mode, and
 * {@link rejectDevelopmentToken} in its place otherwise.
 */
export async function handleDevelopmentToken(
  options: DevelopmentTokenOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (!isLoopbackAddress(request.socket.remoteAddress)) {
    sendError(
      response,
      403,
      'access_denied',
      'development tokens are issued to loopback peers only',
    );
    return;
  }
  if (request.method !== 'POST') {
    response.setHeader('allow', 'POST');
    sendError(response, 405, 'invalid_request', `use POST for ${DEVELOPMENT_TOKEN_PATH}`);
    return;
  }
  // JSON is not a CORS-safelisted content type, so a web page must send a preflight first,
  // and the IdP rejects that OPTIONS request.
  if (!isJsonContentType(request.headers['content-type'])) {
    sendError(response, 415, 'invalid_request', 'the request body must be application/json');
    return;
  }

  const username = await readUsername(request);
  if (username === undefined) {
    sendError(response, 400, 'invalid_request', 'the body must be {"username": "<username>"}');
    return;
  }

  const account = findAccountByUsername(username);
  if (!account) {
    const valid = developmentAccounts.map((known) => known.username).join(', ');
    sendError(
      response,
      400,
      'invalid_request',
      `unknown username ${JSON.stringify(username)}: valid usernames are ${valid}`,
    );
    return;
  }

  const token = await issueDevelopmentToken(options, account);
  options.logger.info({ sub: account.subject, username }, 'development token issued');
  sendJson(response, 200, {
    access_token: token.accessToken,
    token_type: 'Bearer',
    expires_in: token.expiresIn,
  });
}

/** Rejects requests to the development token path when the IdP runs in production mode. */
export function rejectDevelopmentToken(_request: IncomingMessage, response: ServerResponse): void {
  sendError(
    response,
    404,
    'not_found',
    'development tokens are issued only when the IdP runs with IDP_MODE=development',
  );
}

/** Tells whether a socket peer address is a loopback address (IPv4, IPv6 or IPv4-mapped). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;

  const ipv4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(ipv4) === 4) return ipv4.startsWith('127.');

  return address === '::1';
}

function isJsonContentType(header: string | undefined): boolean {
  return header?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

async function readUsername(request: IncomingMessage): Promise<string | undefined> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(request));
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw error;
    return undefined;
  }

  if (typeof body !== 'object' || body === null) return undefined;
  const { username } = body as { username?: unknown };
  return typeof username === 'string' ? username : undefined;
}

function sendError(
  response: ServerResponse,
  status: number,
  error: string,
  description: string,
): void {
  sendJson(response, status, { error, error_description: description });
}
