import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';

let testbed: WebTestbed;

beforeAll(async () => {
  testbed = await startWebTestbed();
});
afterAll(() => testbed.close());

describe('GET /api/healthz', () => {
  it('returns ok without a token', async () => {
    const response = await testbed.app.inject({ url: '/api/healthz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /api/readyz', () => {
  it('returns ok while the gatekeeper serves', async () => {
    testbed.gatekeeperStub.setServingStatus('SERVING');
    const response = await testbed.app.inject({ url: '/api/readyz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('returns 503 while NOT_SERVING', async () => {
    testbed.gatekeeperStub.setServingStatus('NOT_SERVING');
    const response = await testbed.app.inject({ url: '/api/readyz' });
    testbed.gatekeeperStub.setServingStatus('SERVING');

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      status: 503,
      detail: 'The gatekeeper reports NOT_SERVING',
    });
  });

  it('returns 503 for an unreachable gatekeeper', async () => {
    const unreachable = await startWebTestbed();
    await unreachable.gatekeeperStub.close();
    try {
      const response = await unreachable.app.inject({ url: '/api/readyz' });

      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await unreachable.close();
    }
  });
});
