import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  freePort,
  startIdp,
  startProductionIdp,
  type IdpProcess,
} from '../../../services/idp/test/idp-process.js';
import { developmentAccounts } from '../../../services/idp/src/accounts.js';
import { DevelopmentTokenError, fetchDevelopmentToken } from './token.js';

function decodePayload(token: string): Record<string, unknown> {
  const [, payload = ''] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function rejectionOf(promise: Promise<unknown>): Promise<DevelopmentTokenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DevelopmentTokenError) return error;
    throw error;
  }
  throw new Error('expected a DevelopmentTokenError');
}

/** Starts a stand-in server on 127.0.0.1 for responses the real IdP never sends. */
async function startStandIn(listener: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port assigned');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

describe('fetchDevelopmentToken against a development IdP', () => {
  let idp: IdpProcess;

  beforeAll(async () => {
    idp = await startIdp();
  });

  afterAll(async () => {
    await idp.stop();
  });

  it('returns an access token for the user', async () => {
    const token = await fetchDevelopmentToken(idp.url, 'alice');
    const alice = developmentAccounts.find((account) => account.username === 'alice');

    expect(decodePayload(token).sub).toBe(alice?.subject);
  });

  it('accepts an IdP URL with a trailing slash', async () => {
    const token = await fetchDevelopmentToken(`${idp.url}/`, 'bob');

    expect(decodePayload(token).roles).toEqual(['user']);
  });

  it('passes the IdP message through for an unknown user', async () => {
    const error = await rejectionOf(fetchDevelopmentToken(idp.url, 'mallory'));

    expect(error.code).toBe('TOKEN_REQUEST_REJECTED');
    expect(error.message).toContain('unknown username "mallory"');
    expect(error.message).toContain('alice, bob, admin');
  });
});

describe('fetchDevelopmentToken failures', () => {
  it('tells the user to start the stack when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await rejectionOf(fetchDevelopmentToken(url, 'alice'));

    expect(error.code).toBe('IDP_UNREACHABLE');
    expect(error.message).toBe(
      `the IdP at ${url} is not reachable: start the development stack with \`npm start\``,
    );
  });

  it('explains a production IdP', async () => {
    const idp = await startProductionIdp();
    const error = await rejectionOf(fetchDevelopmentToken(idp.url, 'alice'));
    await idp.stop();

    expect(error.code).toBe('IDP_NOT_DEVELOPMENT');
    expect(error.message).toContain(`the IdP at ${idp.url} does not issue development tokens`);
    expect(error.message).not.toContain('\n');
  });

  it('reports an unexpected status', async () => {
    const standIn = await startStandIn((_request, response) => {
      response.writeHead(500).end();
    });
    const error = await rejectionOf(fetchDevelopmentToken(standIn.url, 'alice'));
    standIn.server.close();

    expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
    expect(error.message).toContain('HTTP 500');
  });

  it('reports a response without an access token', async () => {
    const standIn = await startStandIn((_request, response) => {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"token_type":"Bearer"}');
    });
    const error = await rejectionOf(fetchDevelopmentToken(standIn.url, 'alice'));
    standIn.server.close();

    expect(error.code).toBe('TOKEN_RESPONSE_INVALID');
    expect(error.message).toContain('returned no access_token');
  });

  it('gives up when the IdP does not answer', async () => {
    const standIn = await startStandIn(() => {
      // Never responds, like a hung process.
    });
    const error = await rejectionOf(
      fetchDevelopmentToken(standIn.url, 'alice', { timeoutMs: 200 }),
    );
    standIn.server.closeAllConnections();
    standIn.server.close();

    expect(error.code).toBe('IDP_UNREACHABLE');
    expect(error.message).toContain('did not answer within 200 ms');
  });
});
