import { createServer, type AddressInfo, type Server } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startStack } from './stack.js';

describe('startStack', () => {
  let blocker: Server;
  let port: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('names a port that stays taken on every attempt', async () => {
    const started = startStack({
      database: 'server',
      redis: 'embedded',
      env: { WEB_PORT: String(port) },
    });

    await expect(started).rejects.toThrow(`port ${port} on 127.0.0.1 (web) is already in use`);
  }, 120_000);
});
