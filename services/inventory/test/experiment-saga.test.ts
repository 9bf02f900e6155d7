import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { findFreePort } from '@palisade/cli';
import { InventoryParticipant, messageTypes, ownerDeletedReason } from '@palisade/inventory';
import { RedisStore } from '@palisade/store';
import { kafkaBrokerAvailable, testServerAvailable } from '@palisade/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { orchestratorProcessSource } from './orchestrator-process.js';
import { SagaWorld, shortCommandRetry, type TransportKind } from './saga-world.js';

const databaseUp = await testServerAvailable();
const kafkaUp = databaseUp && (await kafkaBrokerAvailable());

const transports: { kind: TransportKind; available: boolean }[] = [
  { kind: 'postgres', available: databaseUp },
  { kind: 'kafka', available: kafkaUp },
];

for (const { kind, available } of transports) {
  describe.skipIf(!available)(`experiment saga over the ${kind} transport`, () => {
    let world: SagaWorld;

    beforeAll(async () => {
      world = await SagaWorld.start(kind);
    });

    afterEach(async () => {
      // Tests about timeouts shorten the orchestrator's timings; the others get the patient ones.
      await world.restartSaga();
    });

    afterAll(async () => {
      await world?.close();
    });

    it('confirms an experiment and decrements stock exactly once', async () => {
      const [a = '', b = ''] = await world.addItems(5, 3);
      const created = await world.saga.createExperiment({
        title: 'Happy path',
        items: [
          { itemId: a, quantity: 2 },
          { itemId: b, quantity: 3 },
        ],
      });
      expect(created.state).toBe('PENDING');

      const done = await world.settled(created.id);

      expect(done.state).toBe('CONFIRMED');
      expect(await world.stock(a)).toBe(3);
      expect(await world.stock(b)).toBe(0);
      expect(await world.reservationCount(a)).toBe(1);
      const reserve = done.steps.find((step) => step.name === 'reserve-items');
      expect(reserve?.status).toBe('SUCCEEDED');
      expect(reserve?.sentAt).toBeInstanceOf(Date);
      expect(reserve?.finishedAt).toBeInstanceOf(Date);
      expect(done.steps.find((step) => step.name === 'release-items')?.status).toBe('NOT_NEEDED');
    });

    it('lists items with their available stock from the published read model', async () => {
      const [item = ''] = await world.addItems(7);

      const items = await world.saga.listInventoryItems();

      expect(items.find((entry) => entry.id === item)?.available).toBe(7);
      expect(items.some((entry) => entry.id === 'microscope')).toBe(true);
    });

    it('rejects when one item lacks stock, holding none and publishing TransactionFailed', async () => {
      const [plenty = '', scarce = ''] = await world.addItems(10, 1);
      const created = await world.saga.createExperiment({
        title: 'Too much',
        items: [
          { itemId: plenty, quantity: 4 },
          { itemId: scarce, quantity: 2 },
        ],
      });

      const done = await world.settled(created.id);

      expect(done.state).toBe('REJECTED');
      expect(done.reason).toBe(`insufficient stock for item ${scarce}`);
      expect(await world.stock(plenty)).toBe(10);
      expect(await world.stock(scarce)).toBe(1);
      expect(await world.reservationCount(plenty)).toBe(0);
      await world.waitUntil(() =>
        world.replies.some(
          (reply) => reply.key === created.id && reply.type === messageTypes.transactionFailed,
        ),
      );
      const failed = world.replies.find((reply) => reply.key === created.id);
      expect(failed?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      await world.waitUntil(() =>
        world.events.some(
          (event) => event.key === created.id && event.type === messageTypes.experimentRejected,
        ),
      );
    });

    it('rejects an unknown item with a reason naming it', async () => {
      const created = await world.saga.createExperiment({
        title: 'Unknown',
        items: [{ itemId: 'no-such-item', quantity: 1 }],
      });

      const done = await world.settled(created.id);

      expect(done.state).toBe('REJECTED');
      expect(done.reason).toBe('item no-such-item does not exist');
    });

    it('retries while the inventory service is stopped and confirms once it is back', async () => {
      const [item = ''] = await world.addItems(4);
      await world.inventory.stop();
      try {
        const created = await world.saga.createExperiment({
          title: 'Patient',
          items: [{ itemId: item, quantity: 1 }],
        });
        await world.waitFor(
          created.id,
          (view) => (view.steps.find((step) => step.name === 'reserve-items')?.attempts ?? 0) >= 2,
        );
        world.inventory = world.newParticipant();
        await world.inventory.start();

        const done = await world.settled(created.id);

        expect(done.state).toBe('CONFIRMED');
        expect(await world.stock(item)).toBe(3);
        expect(await world.reservationCount(item)).toBe(1);
      } finally {
        await world.inventory.start();
      }
    });

    it('releases a pending reservation whose owner was deleted', async () => {
      const [item = ''] = await world.addItems(4);
      const owner = await world.addUser();
      await world.inventory.stop();
      try {
        const created = await world.saga.createExperiment(
          { title: 'Orphaned', items: [{ itemId: item, quantity: 3 }] },
          { ownerId: owner },
        );
        await world.waitFor(
          created.id,
          (view) => (view.steps.find((step) => step.name === 'reserve-items')?.attempts ?? 0) >= 1,
        );
        await world.deleteUser(owner);
        world.inventory = world.newParticipant();
        await world.inventory.start();

        const done = await world.settled(created.id);

        expect(done.state).toBe('REJECTED');
        expect(done.reason).toBe(ownerDeletedReason);
        expect(done.ownerId).toBeNull();
        expect(done.title).toBe('deleted');
        expect(done.steps.find((step) => step.name === 'reserve-items')?.status).toBe('SUCCEEDED');
        expect(done.steps.find((step) => step.name === 'release-items')?.status).toBe('SUCCEEDED');
        expect(await world.stock(item)).toBe(4);
        expect(await world.reservationCount(item)).toBe(0);
      } finally {
        await world.inventory.start();
      }
    });

    it('keeps a confirmed experiment whose owner was deleted', async () => {
      const [item = ''] = await world.addItems(4);
      const owner = await world.addUser();
      const created = await world.saga.createExperiment(
        { title: 'Kept', items: [{ itemId: item, quantity: 3 }] },
        { ownerId: owner },
      );
      await world.settled(created.id);

      await world.deleteUser(owner);
      const experiment = await world.saga.getExperiment(created.id);

      expect(experiment?.state).toBe('CONFIRMED');
      expect(experiment?.reason).toBeNull();
      expect(experiment?.ownerId).toBeNull();
      expect(experiment?.title).toBe('deleted');
      expect(await world.stock(item)).toBe(1);
    });

    it('dead-letters and compensates when the inventory service does not answer in time', async () => {
      await world.restartSaga(shortCommandRetry(kind));
      const [item = ''] = await world.addItems(4);
      await world.inventory.stop();
      const created = await world.saga.createExperiment({
        title: 'Abandoned',
        items: [{ itemId: item, quantity: 2 }],
      });
      await world.waitFor(created.id, (view) =>
        view.steps.some((step) => step.name === 'release-items' && step.status === 'SENT'),
      );
      // Back only after the reservation was dead-lettered: it applies the queued reservation,
      // then the compensation releases it.
      world.inventory = world.newParticipant();
      await world.inventory.start();

      const done = await world.settled(created.id);

      expect(done.state).toBe('REJECTED');
      expect(done.reason).toMatch(/did not answer reserve-items/);
      expect(done.steps.find((step) => step.name === 'reserve-items')?.status).toBe(
        'DEAD_LETTERED',
      );
      expect(done.steps.find((step) => step.name === 'release-items')?.status).toBe('SUCCEEDED');
      expect(await world.stock(item)).toBe(4);
      expect(await world.reservationCount(item)).toBe(0);
      await world.waitUntil(() =>
        world.deadLetters.some(
          (message) => message.key === created.id && message.type === messageTypes.reserveItems,
        ),
      );
    });

    it('ends FAILED, counted in the metric, when the compensation never completes', async () => {
      const commandRetry = shortCommandRetry(kind);
      const compensationRetry = { ...commandRetry, maxAttempts: commandRetry.maxAttempts + 2 };
      await world.restartSaga(commandRetry, compensationRetry);
      const [item = ''] = await world.addItems(4);
      const failedBefore = await world.failedSagaCount();
      const reconciledBefore = await world.reconciledSagaCount();
      await world.inventory.stop();
      let restarted = false;
      try {
        const created = await world.saga.createExperiment({
          title: 'Lost',
          items: [{ itemId: item, quantity: 1 }],
        });
        const other = await world.saga.createExperiment({
          title: 'Also waiting',
          items: [{ itemId: item, quantity: 1 }],
        });

        const done = await world.settled(created.id, 60_000);

        expect(done.state).toBe('FAILED');
        expect(done.reason).toMatch(/compensation release-items did not complete/);
        const release = done.steps.find((step) => step.name === 'release-items');
        const reserve = done.steps.find((step) => step.name === 'reserve-items');
        expect(release?.status).toBe('DEAD_LETTERED');
        expect(release?.attempts).toBe(compensationRetry.maxAttempts);
        expect(reserve?.attempts).toBe(commandRetry.maxAttempts);
        expect(await world.failedSagaCount()).toBeGreaterThan(failedBefore);
        expect(await world.reconciledSagaCount()).toBe(reconciledBefore);
        await world.waitUntil(() =>
          world.deadLetters.some(
            (message) => message.key === created.id && message.type === messageTypes.releaseItems,
          ),
        );
        // A failed saga blocks no other: the second one reached its own end too.
        expect((await world.settled(other.id, 60_000)).state).toBe('FAILED');

        // The inventory returns and applies the queued reserve and release commands in order.
        world.inventory = world.newParticipant();
        await world.inventory.start();
        restarted = true;
        await world.waitUntil(async () => {
          const experiment = await world.saga.getExperiment(created.id);
          return experiment?.state === 'REJECTED';
        }, 60_000);
        const reconciled = await world.saga.getExperiment(created.id);

        expect(reconciled?.reason).toMatch(/answered too late/);
        expect(await world.reconciledSagaCount()).toBeGreaterThan(reconciledBefore);
        expect(reconciled?.steps.find((step) => step.name === 'release-items')?.status).toBe(
          'SUCCEEDED',
        );
        await world.waitUntil(async () => (await world.stock(item)) === 4, 60_000);
      } finally {
        if (!restarted) {
          world.inventory = world.newParticipant();
          await world.inventory.start();
        }
      }
    }, 150_000);

    it('applies every effect once when every message is delivered twice', async () => {
      const [item = '', scarce = ''] = await world.addItems(6, 1);
      world.orchestratorTransport.duplicate = true;
      world.inventoryTransport.duplicate = true;
      try {
        const confirmed = await world.saga.createExperiment({
          title: 'Twice',
          items: [{ itemId: item, quantity: 2 }],
        });
        const rejected = await world.saga.createExperiment({
          title: 'Twice rejected',
          items: [
            { itemId: item, quantity: 1 },
            { itemId: scarce, quantity: 5 },
          ],
        });

        expect((await world.settled(confirmed.id)).state).toBe('CONFIRMED');
        expect((await world.settled(rejected.id)).state).toBe('REJECTED');
        // Let the duplicates arrive before counting.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await world.stock(item)).toBe(4);
        expect(await world.stock(scarce)).toBe(1);
        expect(await world.reservationCount(item)).toBe(1);
      } finally {
        world.orchestratorTransport.duplicate = false;
        world.inventoryTransport.duplicate = false;
      }
    });

    it('releases a dead-lettered reservation once although every message arrives twice', async () => {
      await world.restartSaga(shortCommandRetry(kind));
      const [item = ''] = await world.addItems(3);
      world.orchestratorTransport.duplicate = true;
      world.inventoryTransport.duplicate = true;
      await world.inventory.stop();
      try {
        const created = await world.saga.createExperiment({
          title: 'Twice compensated',
          items: [{ itemId: item, quantity: 2 }],
        });
        await world.waitFor(created.id, (view) =>
          view.steps.some((step) => step.name === 'release-items' && step.status === 'SENT'),
        );
        world.inventory = world.newParticipant();
        await world.inventory.start();

        expect((await world.settled(created.id)).state).toBe('REJECTED');
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await world.stock(item)).toBe(3);
        expect(await world.reservationCount(item)).toBe(0);
      } finally {
        world.orchestratorTransport.duplicate = false;
        world.inventoryTransport.duplicate = false;
        await world.inventory.start();
      }
    });

    it('applies a command once when Redis is unreachable', async () => {
      const [item = ''] = await world.addItems(5);
      // Nothing listens on a free port, so every store call rejects at once.
      const store = new RedisStore({ url: `redis://127.0.0.1:${await findFreePort('127.0.0.1')}` });
      const participant = new InventoryParticipant({
        pool: world.pool,
        transport: world.inventoryTransport,
        store,
        topics: world.topics,
        retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      });
      const sagaId = randomUUID();
      const command = {
        messageId: randomUUID(),
        topic: world.topics.inventoryCommands,
        key: sagaId,
        type: messageTypes.reserveItems,
        correlationId: randomUUID(),
        payload: { sagaId, items: [{ itemId: item, quantity: 2 }] },
      };
      try {
        await participant.handle(command);
        await participant.handle({ ...command, messageId: randomUUID() });
      } finally {
        await store.close();
      }

      expect(await world.stock(item)).toBe(3);
      expect(await world.reservationCount(item)).toBe(1);
      const { rows } = await world.pool.query<{ count: string }>(
        'SELECT count(*) FROM inventory.outbox WHERE correlation_id = $1',
        [command.correlationId],
      );
      expect(Number(rows[0]?.count)).toBe(1);
    });

    it('keeps stock non-negative across 100 concurrent experiments on scarce stock', async () => {
      const [scarce = '', other = ''] = await world.addItems(30, 40);
      const created = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          world.saga.createExperiment({
            title: `Crowd ${index}`,
            items:
              index % 2 === 0
                ? [{ itemId: scarce, quantity: 1 }]
                : [
                    { itemId: scarce, quantity: 1 },
                    { itemId: other, quantity: 1 },
                  ],
          }),
        ),
      );

      const done = await Promise.all(
        created.map((experiment) => world.settled(experiment.id, 60_000)),
      );

      const confirmed = done.filter((view) => view.state === 'CONFIRMED');
      expect(done.every((view) => view.state === 'CONFIRMED' || view.state === 'REJECTED')).toBe(
        true,
      );
      expect(confirmed.length).toBeGreaterThan(0);
      expect(confirmed.length).toBeLessThanOrEqual(30);
      expect(await world.stock(scarce)).toBe(30 - confirmed.length);
      const confirmedWithOther = confirmed.filter((view) => view.items.length === 2).length;
      expect(await world.stock(other)).toBe(40 - confirmedWithOther);
    }, 90_000);

    it('completes a saga in flight after the orchestrator process is killed', async () => {
      const [item = ''] = await world.addItems(5);
      await world.saga.stop();
      await world.inventory.stop();
      const child = spawn(
        process.execPath,
        ['--input-type=module', '--eval', orchestratorProcessSource],
        {
          env: {
            ...process.env,
            TEST_DATABASE_URL: world.database.url,
            TEST_TRANSPORT: world.kind,
            TEST_TOPIC_PREFIX: world.topics.inventoryCommands.split('.')[0],
          },
          // Bare imports in evaluated code resolve from the working directory.
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('ready')) resolve();
          });
          child.once('exit', (code) => reject(new Error(`orchestrator exited with ${code}`)));
        });
        const created = await world.saga.createExperiment({
          title: 'Survivor',
          items: [{ itemId: item, quantity: 2 }],
        });
        await world.waitFor(
          created.id,
          (view) => (view.steps.find((step) => step.name === 'reserve-items')?.attempts ?? 0) >= 2,
        );
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));

        world.inventory = world.newParticipant();
        await world.inventory.start();
        // A restarted Kafka consumer waits out the killed member's session before it fetches.
        await world.restartSaga({ maxAttempts: 12, initialDelayMs: 500, maxDelayMs: 3000 });

        const done = await world.settled(created.id);
        expect(done.state).toBe('CONFIRMED');
        expect(await world.stock(item)).toBe(3);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }, 60_000);
  });
}
