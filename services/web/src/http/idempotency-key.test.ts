import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';

let testbed: WebTestbed;

beforeAll(async () => {
  testbed = await startWebTestbed();
});
afterAll(() => testbed.close());
beforeEach(() => {
  testbed.gatekeeperStub.calls.length = 0;
});

async function patchMe(idempotencyKey?: string) {
  return testbed.app.inject({
    method: 'PATCH',
    url: '/api/me',
    headers: {
      authorization: await testbed.bearer(),
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    payload: { locale: 'en' },
  });
}

describe('Idempotency-Key header', () => {
  it('travels to the gatekeeper as idempotency-key metadata', async () => {
    const response = await patchMe('key-1');

    expect(response.statusCode).toBe(200);
    expect(testbed.gatekeeperStub.calls[0]?.metadata['idempotency-key']).toBe('key-1');
  });

  it('accepts the quoted structured-field form', async () => {
    await patchMe('"8e03978e-40d5-43e8-bc93-6894a57f9324"');

    expect(testbed.gatekeeperStub.calls[0]?.metadata['idempotency-key']).toBe(
      '8e03978e-40d5-43e8-bc93-6894a57f9324',
    );
  });

  it('sends no metadata without the header', async () => {
    await patchMe();

    expect(testbed.gatekeeperStub.calls[0]?.metadata['idempotency-key']).toBeUndefined();
  });

  it.each(['has space', 'x'.repeat(256), '""'])('rejects %j with 400', async (key) => {
    const response = await patchMe(key);

    expect(response.statusCode).toBe(400);
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });
});
