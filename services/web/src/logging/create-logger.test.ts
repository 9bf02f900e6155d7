import { get } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';
import { createLogger } from './create-logger.js';

class LineCollector extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  text = '';

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString();
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    callback();
  }
}

describe('createLogger', () => {
  it('redacts the authorization header', () => {
    const output = new LineCollector();
    createLogger({ destination: output }).info(
      { req: { headers: { authorization: 'Bearer secret-token' } } },
      'request',
    );

    expect(output.text).not.toContain('secret-token');
    expect(output.lines[0]?.service).toBe('web');
  });
});

describe('request logs', () => {
  const output = new LineCollector();
  let testbed: WebTestbed;
  let token: string;

  beforeAll(async () => {
    testbed = await startWebTestbed({ logger: createLogger({ destination: output }) });
    token = await testbed.identityProvider.mintToken();
    await testbed.app.inject({
      url: '/api/me',
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-test-1' },
    });
    await testbed.app.inject({
      url: '/api/me',
      headers: { authorization: `Bearer ${token}x`, 'x-request-id': 'log-test-2' },
    });
    await testbed.app.inject({
      url: `/api/me?access_token=${token}&code=authorization-code-1`,
      headers: { 'x-request-id': 'log-test-3' },
    });
  });
  afterAll(() => testbed.close());

  it('never contains the access token', () => {
    expect(output.text).not.toContain(token);
  });

  it('never contains a token or code from the query string', () => {
    expect(output.text).not.toContain('authorization-code-1');
    expect(output.text).toContain('/api/me?[redacted]');
  });

  it('labels each request line with the request id', () => {
    const requestLines = output.lines.filter((line) => 'req' in line || 'res' in line);

    expect(requestLines.length).toBeGreaterThan(0);
    expect(requestLines.every((line) => typeof line.request_id === 'string')).toBe(true);
  });

  it('writes one line per completed request', () => {
    const lines = output.lines.filter((line) => line.request_id === 'log-test-1');

    expect(lines.map((line) => line.msg)).toEqual(['request completed']);
  });

  it('writes no separate line when a request arrives', () => {
    expect(output.lines.filter((line) => line.msg === 'incoming request')).toEqual([]);
  });

  it('records method, path, status and time', () => {
    const line = output.lines.find((candidate) => candidate.request_id === 'log-test-1');

    expect(line?.req).toMatchObject({ method: 'GET', url: '/api/me' });
    expect(line?.res).toMatchObject({ statusCode: 200 });
    expect(line?.responseTime).toEqual(expect.any(Number));
  });

  it("records a rejected request's status", () => {
    const line = output.lines.find(
      (candidate) => candidate.msg === 'request completed' && candidate.request_id === 'log-test-2',
    );

    expect(line?.res).toMatchObject({ statusCode: 401 });
  });

  it('logs a rejected request once', () => {
    const rejected = output.lines.filter(
      (line) => line.msg === 'request rejected' && line.request_id === 'log-test-2',
    );

    expect(rejected).toHaveLength(1);
  });
});

describe('access log of an aborted request', () => {
  const output = new LineCollector();
  let testbed: WebTestbed;
  const linesOf = (requestId: string) =>
    output.lines.filter((line) => line.request_id === requestId);

  beforeAll(async () => {
    testbed = await startWebTestbed({ logger: createLogger({ destination: output }) });
    testbed.app.get('/probe/serializer', { logSerializers: { req: () => 'route own' } }, () => ({
      ok: true,
    }));
    await testbed.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = testbed.app.server.address() as AddressInfo;
    const authorization = await testbed.bearer();

    // The client goes away while the gatekeeper call is still running.
    testbed.gatekeeperStub.delayMs = 300;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        'GET /api/me?access_token=secret-in-query HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          `Authorization: ${authorization}\r\nX-Request-Id: abort-1\r\n\r\n`,
      );
    });
    socket.on('error', () => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    for (let attempt = 0; attempt < 50 && linesOf('abort-1').length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    testbed.gatekeeperStub.delayMs = 0;

    await testbed.app.inject({
      url: '/probe/serializer?token=secret-of-route',
      headers: { 'x-request-id': 'serializer-1' },
    });
    // inject() drops the fragment, so this request goes over a real connection.
    await new Promise((resolve, reject) => {
      get(
        {
          host: '127.0.0.1',
          port,
          path: '/probe/serializer#access_token=secret-in-fragment',
          headers: { 'x-request-id': 'fragment-1' },
        },
        (response) => response.resume().on('end', resolve),
      ).on('error', reject);
    });
  });
  afterAll(() => testbed.close());

  it('writes one aborted line', () => {
    expect(linesOf('abort-1').map((line) => line.msg)).toEqual(['request aborted']);
  });

  it('names the request on the aborted line', () => {
    expect(linesOf('abort-1')[0]?.req).toMatchObject({ method: 'GET', url: '/api/me?[redacted]' });
  });

  it('reports no status on the aborted line', () => {
    expect(linesOf('abort-1')[0]).not.toHaveProperty('res');
  });

  it('keeps a fragment out of the log', () => {
    const line = linesOf('fragment-1').find((entry) => entry.msg === 'request completed');

    expect(line?.req).toMatchObject({ url: '/probe/serializer#[redacted]' });
    expect(output.lines.some((entry) => JSON.stringify(entry).includes('secret-in-fragment'))).toBe(
      false,
    );
  });

  it('redacts queries despite route serializers', () => {
    const line = linesOf('serializer-1').find((entry) => entry.msg === 'request completed');

    expect(line?.req).toMatchObject({ url: '/probe/serializer?[redacted]' });
    expect(output.lines.some((entry) => JSON.stringify(entry).includes('secret-of-route'))).toBe(
      false,
    );
  });
});
