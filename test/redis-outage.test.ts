import { setTimeout as sleep } from 'node:timers/promises';

import type { Metadata, ServiceError } from '@grpc/grpc-js';
import type { Profile } from '@palisade/contracts';
import {
  bearerMetadata,
  connectGatekeeper,
  developmentIdentity,
  request,
  startOwnRedisServer,
  startStack,
  tokenFor,
  type GatekeeperClients,
  type OwnRedisServer,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function updateProfile(clients: GatekeeperClients, metadata: Metadata, displayName: string) {
  return new Promise<Profile | ServiceError>((resolve) => {
    clients.users.updateProfile(
      { userId: '', updateMask: ['display_name'], displayName, metadata: undefined },
      metadata,
      { deadline: Date.now() + 5000 },
      (error, profile) => resolve(error ?? profile),
    );
  });
}

// A redis-server of the test's own on a free port, so stopping it never touches the machine's.
describe('Redis outage', () => {
  let redis: OwnRedisServer;
  let stack: RunningStack;
  let token: string;

  beforeAll(async () => {
    redis = await startOwnRedisServer();
    stack = await startStack({ database: 'embedded', env: { REDIS_URL: redis.url } });
    token = await tokenFor(stack, 'alice');
  });
  afterAll(async () => {
    await stack?.stop();
    await redis?.kill();
  });

  const api = (path: string) => `${stack.webUrl}/api${path}`;

  it('fails closed with 503 while Redis is down, logs it, and recovers', async () => {
    expect((await request(api('/me'), { token })).status).toBe(200);

    await redis.kill();
    const during = await request(api('/me'), { token });
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({
      type: 'https://palisade.local/problems/session-store-unavailable',
      status: 503,
    });
    expect(await stack.outputContaining('redis connection lost')).toContain(
      'redis connection lost',
    );
    expect((await request(api('/healthz'))).status).toBe(200);

    await redis.restart();
    let after = 0;
    for (let attempt = 0; attempt < 50 && after !== 200; attempt += 1) {
      await sleep(200);
      after = (await request(api('/me'), { token })).status;
    }
    expect(after).toBe(200);
  });

  it('keeps gatekeeper writes exactly-once through the database while Redis is down', async () => {
    const clients = connectGatekeeper(stack, await developmentIdentity(stack, 'web'));
    await redis.kill();
    try {
      const metadata = bearerMetadata(token);
      metadata.set('idempotency-key', `outage-${Date.now()}`);
      const first = await updateProfile(clients, metadata, 'Alice during the outage');
      const replay = await updateProfile(clients, metadata, 'Alice during the outage');

      expect(first).not.toBeInstanceOf(Error);
      expect(replay).toEqual(first);
      const userId = (first as Profile).userId;
      const events = await stack.query(
        "SELECT 1 FROM audit.events WHERE action = 'profile.update' AND target_id = $1",
        [userId],
      );
      expect(events).toHaveLength(1);
      const warning = 'idempotency store unavailable; using the database only';
      expect(await stack.outputContaining(warning)).toContain(warning);
    } finally {
      clients.close();
      await redis.restart();
    }
  });
});
