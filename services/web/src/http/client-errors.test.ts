import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLogger } from '../logging/create-logger.js';
import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';

class LineCollector extends Writable {
  readonly lines: Record<string, unknown>[] = [];

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    callback();
  }
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function parseResponse(text: string): RawResponse {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** Writes `request` on a new connection and returns everything the server sends before closing. */
function exchange(port: number, request: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; received: ${received}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(request);
  });
}

describe('requests that the HTTP server rejects', () => {
  const output = new LineCollector();
  let testbed: WebTestbed;
  let port: number;

  beforeAll(async () => {
    testbed = await startWebTestbed({
      logger: createLogger({ destination: output }),
      requestTimeoutMs: 300,
    });
    await testbed.app.listen({ host: '127.0.0.1', port: 0 });
    port = (testbed.app.server.address() as AddressInfo).port;
  });
  afterAll(() => testbed.close());

  it('returns problem details and common headers for malformed HTTP', async () => {
    const response = parseResponse(
      await exchange(port, 'GET /api/healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'),
    );

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['connection']).toBe('close');
    expect(JSON.parse(response.body)).toMatchObject({
      type: 'https://palisade.local/problems/bad-request',
      status: 400,
      requestId: response.headers['x-request-id'],
    });
  });

  it('logs the rejection with the request id of the response', async () => {
    const response = parseResponse(
      await exchange(port, 'GET /api/healthz HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n'),
    );
    const requestId = response.headers['x-request-id'];

    const line = output.lines.find((entry) => entry.request_id === requestId);
    expect(line).toMatchObject({ msg: 'request rejected before routing', status: 400 });
  });

  it('returns 431 for oversized headers', async () => {
    const response = parseResponse(
      await exchange(
        port,
        `GET /api/healthz HTTP/1.1\r\nHost: x\r\nx-filler: ${'a'.repeat(20_000)}\r\n\r\n`,
      ),
    );

    expect(response.status).toBe(431);
    expect(JSON.parse(response.body)).toMatchObject({ title: 'Request headers too large' });
  });

  it('returns 408 for incomplete headers', async () => {
    // Headers without their final empty line: the request never completes.
    const response = parseResponse(
      await exchange(port, 'GET /api/healthz HTTP/1.1\r\nHost: x\r\n'),
    );

    expect(response.status).toBe(408);
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(response.body)).toMatchObject({
      type: 'https://palisade.local/problems/request-timeout',
      detail: 'The request was not complete within the time limit; send it again',
    });
  });

  it('returns 408 with the request id for a stalled body', async () => {
    const authorization = await testbed.bearer();
    const response = parseResponse(
      await exchange(
        port,
        'PATCH /api/me HTTP/1.1\r\nHost: x\r\nx-request-id: stalled-1\r\n' +
          `authorization: ${authorization}\r\n` +
          'content-type: application/json\r\ncontent-length: 100\r\n\r\n{"dis',
      ),
    );

    expect(response.status).toBe(408);
    expect(response.headers['x-request-id']).toBe('stalled-1');
    expect(output.lines.find((line) => line.request_id === 'stalled-1')).toMatchObject({
      msg: 'request rejected after routing',
      status: 408,
    });
  });

  it('returns 400 to a client that closed its side mid-request', async () => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.on('error', () => undefined);
    socket.end('GET /api/healthz HTTP/1.1\r\nHost: x\r\n');
    await closed;

    expect(parseResponse(received).status).toBe(400);
  });

  it('gives a stalled pipelined request its own id', async () => {
    const authorization = await testbed.bearer();
    const response = await exchange(
      port,
      'GET /api/healthz HTTP/1.1\r\nHost: x\r\nx-request-id: first-1\r\n\r\n' +
        'PATCH /api/me HTTP/1.1\r\nHost: x\r\nx-request-id: stalled-3\r\n' +
        `authorization: ${authorization}\r\n` +
        'content-type: application/json\r\ncontent-length: 100\r\n\r\n{"dis',
    );
    const second = parseResponse(response.slice(response.indexOf('HTTP/1.1', 1)));

    expect(second.status).toBe(408);
    expect(second.headers['x-request-id']).toBe('stalled-3');
  });
});

describe('a request that arrives while the server closes', () => {
  const output = new LineCollector();
  let testbed: WebTestbed;
  let releaseSlowRoute!: () => void;
  let slowRouteEntered!: Promise<void>;

  beforeAll(async () => {
    testbed = await startWebTestbed({ logger: createLogger({ destination: output }) });
    const released = new Promise<void>((resolve) => (releaseSlowRoute = resolve));
    slowRouteEntered = new Promise<void>((resolve) => {
      testbed.app.get('/api/slow', async () => {
        resolve();
        await released;
        return { done: true };
      });
    });
    await testbed.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => testbed.close());

  it('gets 503 problem details with the common headers and an access line', async () => {
    const { port } = testbed.app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closedSocket = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /api/slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await slowRouteEntered;

    // The connection is busy, so closing leaves it open for a second request.
    const closed = testbed.app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('GET /api/healthz HTTP/1.1\r\nHost: x\r\nx-request-id: closing-1\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    releaseSlowRoute();
    await Promise.all([closedSocket, closed]);

    const second = parseResponse(received.slice(received.indexOf('HTTP/1.1', 1)));
    expect(second.status).toBe(503);
    expect(second.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(second.headers['content-security-policy']).toContain("default-src 'self'");
    expect(second.headers['x-request-id']).toBe('closing-1');
    expect(second.headers['connection']).toBe('close');
    expect(output.lines.find((line) => line.request_id === 'closing-1')).toMatchObject({
      msg: 'request completed',
      res: { statusCode: 503 },
    });
  });
});
