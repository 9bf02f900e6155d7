import { randomBytes } from 'node:crypto';

import {
  kafkaBrokerAvailable,
  request,
  testKafkaBrokers,
  startStack,
  testServerAvailable,
  tokenFor,
  type DatabaseKind,
  type JsonResponse,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface ExperimentJson {
  id: string;
  ownerId: string;
  title: string;
  state: 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'FAILED';
  reason?: string;
  items: { itemId: string; quantity: number }[];
  steps: { name: string; kind: string; status: string; attempts: number; finishedAt?: string }[];
}

interface ProblemJson {
  status: number;
  errors?: { field: string; message: string }[];
}

interface Setup {
  readonly name: string;
  readonly database: DatabaseKind;
  readonly env?: Record<string, string>;
}

// The saga travels through the queue in PostgreSQL on either database, and through the test
// broker, on topics of its own, when one runs.
const setups: Setup[] = [{ name: 'the queue on the embedded database', database: 'embedded' }];
if (await testServerAvailable()) {
  setups.push({ name: 'the queue on the server database', database: 'server' });
}
if (await kafkaBrokerAvailable()) {
  setups.push({
    name: 'Kafka',
    database: 'embedded',
    env: {
      KAFKA_BROKERS: testKafkaBrokers.join(','),
      SAGA_TOPIC_PREFIX: `flows-${randomBytes(4).toString('hex')}`,
    },
  });
}

describe.each(setups)('experiment flows over $name', ({ database, env }) => {
  let stack: RunningStack;
  let alice: string;
  let bob: string;

  const api = (path: string) => `${stack.webUrl}/api${path}`;
  const create = (token: string, body: unknown, headers: Record<string, string> = {}) =>
    request(api('/experiments'), { method: 'POST', token, body, headers });
  const experimentOf = (response: JsonResponse) => response.body as ExperimentJson;
  const problem = (response: JsonResponse) => response.body as ProblemJson;

  async function available(): Promise<Record<string, number>> {
    const response = await request(api('/inventory/items'), { token: alice });
    expect(response.status).toBe(200);
    const { items } = response.body as { items: { id: string; available: number }[] };
    return Object.fromEntries(items.map((item) => [item.id, item.available]));
  }

  /** Polls the experiment until its saga has ended; a Kafka group may take seconds to join. */
  async function settled(id: string, token = alice): Promise<ExperimentJson> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const response = await request(api(`/experiments/${id}`), { token });
      expect(response.status).toBe(200);
      const experiment = experimentOf(response);
      if (experiment.state !== 'PENDING') return experiment;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`experiment ${id} still PENDING after 25 seconds`);
  }

  beforeAll(async () => {
    // The polling above would exceed the default per-user rate limit of 300 a minute.
    stack = await startStack({ database, env: { WEB_RATE_LIMIT_PER_USER: '5000', ...env } });
    [alice, bob] = await Promise.all([tokenFor(stack, 'alice'), tokenFor(stack, 'bob')]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists the seeded items with their stock', async () => {
    expect(await available()).toEqual({
      centrifuge: 4,
      microscope: 8,
      'pipette-set': 20,
      'reagent-kit': 50,
    });
  });

  it('confirms an experiment and holds its stock once', async () => {
    const response = await create(alice, {
      title: 'Cell imaging',
      items: [
        { itemId: 'microscope', quantity: 2 },
        { itemId: 'pipette-set', quantity: 3 },
      ],
    });
    expect(response.status).toBe(201);
    const created = experimentOf(response);
    expect(created.state).toBe('PENDING');
    expect(response.headers.get('location')).toBe(`/api/experiments/${created.id}`);

    const experiment = await settled(created.id);
    const reserve = experiment.steps.find((step) => step.name === 'reserve-items');
    const release = experiment.steps.find((step) => step.name === 'release-items');
    const stock = await available();

    expect(experiment.state).toBe('CONFIRMED');
    expect(reserve?.status).toBe('SUCCEEDED');
    expect(reserve?.finishedAt).toBeDefined();
    expect(release?.status).toBe('NOT_NEEDED');
    expect(stock['microscope']).toBe(6);
    expect(stock['pipette-set']).toBe(17);
  });

  it('rejects an experiment beyond the stock and holds nothing', async () => {
    const before = await available();
    const response = await create(alice, {
      title: 'Too many centrifuges',
      items: [
        { itemId: 'reagent-kit', quantity: 1 },
        { itemId: 'centrifuge', quantity: 5 },
      ],
    });
    expect(response.status).toBe(201);

    const experiment = await settled(experimentOf(response).id);

    expect(experiment.state).toBe('REJECTED');
    expect(experiment.reason).toContain('centrifuge');
    expect(await available()).toEqual(before);
  });

  it('rejects an unknown item with the reason', async () => {
    const response = await create(alice, {
      title: 'Unknown item',
      items: [{ itemId: 'no-such-item', quantity: 1 }],
    });
    const experiment = await settled(experimentOf(response).id);

    expect(experiment.state).toBe('REJECTED');
    expect(experiment.reason).toContain('no-such-item');
  });

  it('starts one saga per Idempotency-Key', async () => {
    const before = await available();
    const body = { title: 'Retried request', items: [{ itemId: 'reagent-kit', quantity: 4 }] };
    const headers = { 'idempotency-key': `experiment-${randomBytes(8).toString('hex')}` };
    const first = await create(alice, body, headers);
    const second = await create(alice, body, headers);

    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(experimentOf(second).id).toBe(experimentOf(first).id);
    expect((await settled(experimentOf(first).id)).state).toBe('CONFIRMED');
    expect((await available())['reagent-kit']).toBe((before['reagent-kit'] ?? 0) - 4);
  });

  it('shows an experiment to its owner only', async () => {
    const created = await create(alice, {
      title: 'Private plan',
      items: [{ itemId: 'pipette-set', quantity: 1 }],
    });
    const id = experimentOf(created).id;

    const byBob = await request(api(`/experiments/${id}`), { token: bob });
    const unknown = await request(api('/experiments/2d3c4b5a-0000-4000-8000-000000000000'), {
      token: alice,
    });

    expect(byBob.status).toBe(404);
    expect(unknown.status).toBe(404);
  });

  it('finds an experiment by its id in upper case', async () => {
    const created = await create(alice, {
      title: 'Upper-case id',
      items: [{ itemId: 'pipette-set', quantity: 1 }],
    });
    const { id } = experimentOf(created);

    const read = await request(api(`/experiments/${id.toUpperCase()}`), { token: alice });

    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id });
  });

  it('audits creation and each read', async () => {
    const created = await create(alice, {
      title: 'Audited',
      items: [{ itemId: 'pipette-set', quantity: 1 }],
    });
    const id = experimentOf(created).id;
    await request(api(`/experiments/${id}`), { token: alice });

    const events = await stack.query<{ action: string }>(
      "SELECT action FROM audit.events WHERE target_type = 'experiment' AND target_id = $1",
      [id],
    );
    const actions = events.map((event) => event.action);

    expect(actions).toContain('experiment.create');
    expect(actions).toContain('experiment.read');
  });

  it('keeps the experiment without its title when the owner is deleted', async () => {
    const admin = await tokenFor(stack, 'admin');
    const body = { title: 'Bob private title', items: [{ itemId: 'pipette-set', quantity: 1 }] };
    const headers = { 'idempotency-key': `deleted-${randomBytes(8).toString('hex')}` };
    const created = await create(bob, body, headers);
    const id = experimentOf(created).id;
    await settled(id, bob);

    const deleted = await request(api(`/admin/users/${experimentOf(created).ownerId}/data`), {
      method: 'DELETE',
      token: admin,
    });
    const [row] = await stack.query<{ title: string; owner_id: string | null; state: string }>(
      'SELECT title, owner_id, state FROM app.experiments WHERE id = $1',
      [id],
    );

    // The stored response held the title, so a replay after the deletion runs afresh.
    const replay = await create(bob, body, headers);

    expect(deleted.status).toBe(200);
    expect(replay.status).toBe(201);
    expect(experimentOf(replay).id).not.toBe(id);
    expect(row?.title).toBe('deleted');
    expect(row?.owner_id).toBeNull();
    expect(row?.state).toBe('CONFIRMED');
  });

  it('names the field of an invalid experiment', async () => {
    const cases: [unknown, string][] = [
      [{ title: '', items: [{ itemId: 'microscope', quantity: 1 }] }, '/title'],
      [{ title: 'No items', items: [] }, '/items'],
      [{ title: 'Zero', items: [{ itemId: 'microscope', quantity: 0 }] }, '/items/0/quantity'],
      [{ title: 'Bad id', items: [{ itemId: 'Micro scope', quantity: 1 }] }, '/items/0/itemId'],
      [{ title: 'Extra', items: [{ itemId: 'microscope', quantity: 1 }], owner: 'x' }, '/owner'],
      [{ title: 'a\u0001b', items: [{ itemId: 'microscope', quantity: 1 }] }, '/title'],
      [{ title: '\u202egnp.exe', items: [{ itemId: 'microscope', quantity: 1 }] }, '/title'],
      [{ title: 'a\u0000b', items: [{ itemId: 'microscope', quantity: 1 }] }, '/title'],
    ];
    for (const [body, field] of cases) {
      const response = await create(alice, body);

      expect(response.status, field).toBe(400);
      expect(problem(response).errors?.map((error) => error.field)).toContain(field);
    }
  });

  it('says what a title must look like, not the pattern', async () => {
    const response = await create(alice, {
      title: 'a\u0001b',
      items: [{ itemId: 'microscope', quantity: 1 }],
    });
    const message = problem(response).errors?.[0]?.message ?? '';

    expect(message).toContain('no control or bidirectional characters');
    expect(message).not.toContain('\\u0000');
  });

  it('rejects an item listed twice', async () => {
    const response = await create(alice, {
      title: 'Twice',
      items: [
        { itemId: 'microscope', quantity: 1 },
        { itemId: 'microscope', quantity: 2 },
      ],
    });

    expect(response.status).toBe(400);
    expect(problem(response).errors?.map((error) => error.field)).toEqual(['/items/1/itemId']);
  });

  it('rejects a malformed experiment id', async () => {
    const response = await request(api('/experiments/not-a-uuid'), { token: alice });

    expect(response.status).toBe(400);
  });

  it('requires a token', async () => {
    const list = await request(api('/inventory/items'));
    const created = await request(api('/experiments'), {
      method: 'POST',
      body: { title: 'Anonymous', items: [{ itemId: 'microscope', quantity: 1 }] },
    });

    expect(list.status).toBe(401);
    expect(created.status).toBe(401);
  });
});
