import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GatekeeperCallError } from '../gatekeeper/gatekeeper-call-error.js';
import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';
import { classifyError } from './error-handler.js';
import { ProblemError, problemKinds } from './problem.js';

describe('classifyError', () => {
  it('keeps a problem error as thrown', () => {
    const error = new ProblemError(problemKinds.forbidden, 'No access');

    expect(classifyError(error)).toMatchObject({
      kind: problemKinds.forbidden,
      detail: 'No access',
    });
  });

  it('passes on the details of a gatekeeper client error', () => {
    const error = new GatekeeperCallError('/x/Y', GrpcStatus.NOT_FOUND, 'User not found');

    expect(classifyError(error)).toMatchObject({
      kind: problemKinds.notFound,
      detail: 'User not found',
    });
  });

  it('hides the details of a gatekeeper INTERNAL error', () => {
    const error = new GatekeeperCallError(
      '/x/Y',
      GrpcStatus.INTERNAL,
      'relation "app.users" failed',
    );

    const classified = classifyError(error);
    expect(classified.kind.status).toBe(500);
    expect(classified.detail).not.toContain('app.users');
  });

  it('names a gatekeeper timeout without its details', () => {
    const error = new GatekeeperCallError(
      '/x/Y',
      GrpcStatus.DEADLINE_EXCEEDED,
      'Deadline exceeded',
    );

    expect(classifyError(error)).toMatchObject({
      kind: problemKinds.timeout,
      detail: 'The gatekeeper call timed out; retry later',
    });
  });

  it('maps UNIMPLEMENTED to 501', () => {
    const error = new GatekeeperCallError('/x/Y', GrpcStatus.UNIMPLEMENTED, 'Method not found');

    expect(classifyError(error).kind.status).toBe(501);
  });

  it('maps another Fastify client error to 400', () => {
    const error = Object.assign(new Error("'/%' is not a valid url component"), {
      code: 'FST_ERR_BAD_URL',
      statusCode: 400,
    });

    expect(classifyError(error)).toMatchObject({
      kind: problemKinds.badRequest,
      detail: 'The request is malformed',
    });
  });

  it('maps a body cut short by the client to 400', () => {
    const error = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });

    expect(classifyError(error)).toMatchObject({
      kind: problemKinds.badRequest,
      detail: 'The connection closed before the request body was complete',
    });
  });

  it('keeps other connection resets at 500', () => {
    const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

    expect(classifyError(error).kind.status).toBe(500);
  });

  it('hides the message of an unexpected error', () => {
    const classified = classifyError(new TypeError('secret internals at /srv/app.js:1'));

    expect(classified.kind.status).toBe(500);
    expect(classified.detail).not.toContain('secret');
  });
});

describe('error responses', () => {
  let testbed: WebTestbed;
  let authorization: string;

  beforeAll(async () => {
    // Long enough for a loaded machine; the 504 test delays past it on purpose.
    testbed = await startWebTestbed({ gatekeeperTimeoutMs: 1000 });
    authorization = await testbed.bearer();
    // Opens the TLS channel first, so no mapping test pays for the handshake.
    await testbed.app.inject({ url: '/api/me', headers: { authorization } });
  });
  afterAll(() => testbed.close());

  async function getMeFailingWith(code: GrpcStatus, details: string) {
    testbed.gatekeeperStub.nextError = { code, details };
    return testbed.app.inject({ url: '/api/me', headers: { authorization } });
  }

  it.each([
    [GrpcStatus.INVALID_ARGUMENT, 400],
    [GrpcStatus.UNAUTHENTICATED, 401],
    [GrpcStatus.PERMISSION_DENIED, 403],
    [GrpcStatus.NOT_FOUND, 404],
    [GrpcStatus.ALREADY_EXISTS, 409],
    [GrpcStatus.ABORTED, 409],
    [GrpcStatus.FAILED_PRECONDITION, 422],
    [GrpcStatus.RESOURCE_EXHAUSTED, 429],
  ])('maps gRPC status %i to %i', async (code, status) => {
    const response = await getMeFailingWith(code, 'Safe message from the gatekeeper');

    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status, detail: 'Safe message from the gatekeeper' });
  });

  it('asks for a new token after UNAUTHENTICATED', async () => {
    const response = await getMeFailingWith(GrpcStatus.UNAUTHENTICATED, 'Token revoked');

    expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('hides INTERNAL behind a generic 500', async () => {
    const response = await getMeFailingWith(GrpcStatus.INTERNAL, 'duplicate key in app.users');

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('app.users');
    expect(response.body).not.toContain('at ');
  });

  it('maps UNAVAILABLE to 503', async () => {
    const response = await getMeFailingWith(GrpcStatus.UNAVAILABLE, 'draining');

    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('draining');
  });

  it('returns 504 after the deadline', async () => {
    testbed.gatekeeperStub.delayMs = 1500;
    const response = await testbed.app.inject({ url: '/api/me', headers: { authorization } });
    testbed.gatekeeperStub.delayMs = 0;

    expect(response.statusCode).toBe(504);
  });

  it('returns 404 for an unknown route', async () => {
    const response = await testbed.app.inject({ url: '/api/nothing-here' });

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 404, instance: '/api/nothing-here' });
  });

  it('returns 404 for an unsupported method', async () => {
    const response = await testbed.app.inject({ method: 'PUT', url: '/api/me' });

    expect(response.statusCode).toBe(404);
  });

  it('puts the request id in the problem and the header', async () => {
    const response = await testbed.app.inject({
      url: '/api/nothing-here',
      headers: { 'x-request-id': 'trace-me-1' },
    });

    expect(response.headers['x-request-id']).toBe('trace-me-1');
    expect(response.json()).toMatchObject({ requestId: 'trace-me-1' });
  });
});
