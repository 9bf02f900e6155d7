import { randomBytes, randomUUID } from 'node:crypto';

import type { KeyValueStore } from '@palisade/store';
import type pg from 'pg';
import { Counter, type Registry } from 'prom-client';

import { writeOutbox } from '../outbox/outbox.js';
import { backoffDelayMs, sleep, type BackoffPolicy } from '../transport/backoff.js';
import { retryingHandler, type RetryLogger } from '../transport/retrying-handler.js';
import {
  deadLetterTopic,
  type SagaMessage,
  type SagaTransport,
  type Subscription,
} from '../transport/transport.js';
import { inTransaction } from '../transaction.js';
import { validateNewExperiment, type NewExperiment } from './experiment-validation.js';
import { messageTypes, type ItemQuantity, type SagaTopics } from './saga-messages.js';

/** The consumer group of the orchestrator. */
export const ORCHESTRATOR_GROUP = 'palisade-gatekeeper-sagas';

const RESERVE_STEP = 'reserve-items';
const RELEASE_STEP = 'release-items';
const PROCESSED_TTL_MS = 24 * 60 * 60 * 1000;

export type ExperimentState = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'FAILED';

/** One step of a saga as the API shows it. */
export interface SagaStepView {
  readonly name: string;
  readonly kind: 'action' | 'compensation';
  readonly status: string;
  readonly attempts: number;
  readonly detail: string | null;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
  readonly finishedAt: Date | null;
}

/** An experiment with its saga. */
export interface ExperimentView {
  readonly id: string;
  /** User id of the owner; null when the owner's data was deleted. */
  readonly ownerId: string | null;
  readonly title: string;
  readonly state: ExperimentState;
  /**
   * The cause of a rejection or failure. A pending experiment has one only while its saga is
   * compensating or will compensate, and a confirmed one has none.
   */
  readonly reason: string | null;
  readonly items: readonly ItemQuantity[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly steps: readonly SagaStepView[];
}

/** One item of the inventory service's published read model. */
export interface InventoryItemView {
  readonly id: string;
  readonly name: string;
  readonly available: number;
}

/** Options of {@link ExperimentSaga.startExperiment}. */
export interface StartOptions {
  /** User id of the owner; null or absent for an experiment that belongs to no user. */
  readonly ownerId?: string | null;
  /** W3C trace context that the saga's messages carry; a new trace when absent. */
  readonly traceparent?: string;
}

/** A pool or a client: anything that runs a query. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Reason of an experiment whose owner's data was deleted while its reservation was pending. */
export const ownerDeletedReason = "the owner's data was deleted while the reservation was pending";

/**
 * Detaches the experiments of a user whose data is being deleted, in the caller's transaction:
 * each loses its owner and gets `title` in place of its own. A pending one also gets
 * {@link ownerDeletedReason}, so that its saga releases the reservation once the inventory
 * confirms it and ends REJECTED, instead of holding stock that no user owns.
 */
export async function detachOwnerExperiments(
  client: Queryable,
  ownerId: string,
  title: string,
): Promise<void> {
  await client.query(
    `UPDATE app.experiments
        SET owner_id = NULL,
            title = $2,
            reason = CASE WHEN state = 'PENDING' THEN coalesce(reason, $3) ELSE reason END,
            updated_at = now()
      WHERE owner_id = $1`,
    [ownerId, title, ownerDeletedReason],
  );
}

export interface ExperimentSagaOptions {
  readonly pool: pg.Pool;
  readonly transport: SagaTransport;
  readonly store: KeyValueStore;
  readonly topics: SagaTopics;
  /** Sends of one command before it is dead-lettered; the delay is how long a reply may take. */
  readonly commandRetry: BackoffPolicy;
  /**
   * Sends of a compensating command before the saga ends FAILED. Default `commandRetry`. Give it
   * more attempts than actions get, so a short outage of the inventory ends in compensation
   * rather than in an operator's queue.
   */
  readonly compensationRetry?: BackoffPolicy;
  /** Retries of a reply whose handling fails. */
  readonly replyRetry: BackoffPolicy;
  /** How often due steps are looked for. */
  readonly tickIntervalMs?: number;
  readonly logger: RetryLogger & { info(fields: object, message: string): void };
  /** Registry for the `palisade_saga_failed_total` and `palisade_saga_reconciled_total` counters. */
  readonly registry?: Registry;
}

interface StepRow {
  name: string;
  kind: 'action' | 'compensation';
  status: string;
  correlation_id: string;
  attempts: number;
}

/**
 * Orchestrates experiment sagas: reserve every item of an experiment at the inventory service,
 * or compensate. Every state change and the messages it sends commit in one transaction (the
 * outbox), and every timer is a `next_attempt_at` column, so an orchestrator that restarts
 * resumes each saga that was in flight. Sagas are locked one at a time with SKIP LOCKED, so a
 * failing saga never holds up the others.
 */
export class ExperimentSaga {
  readonly #options: ExperimentSagaOptions;
  readonly #failed: Counter;
  readonly #reconciled: Counter;
  #subscription: Subscription | undefined;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(options: ExperimentSagaOptions) {
    this.#options = options;
    this.#failed = new Counter({
      name: 'palisade_saga_failed_total',
      help: 'Sagas that ended FAILED because a compensation did not complete.',
      registers: options.registry === undefined ? [] : [options.registry],
    });
    this.#reconciled = new Counter({
      name: 'palisade_saga_reconciled_total',
      help: 'FAILED sagas that became REJECTED because the inventory confirmed the release late.',
      registers: options.registry === undefined ? [] : [options.registry],
    });
  }

  /** Subscribes to replies and starts the timer loop, which resumes sagas left in flight. */
  async start(): Promise<void> {
    if (this.#running) return;
    const { transport, topics, replyRetry, logger } = this.#options;
    this.#subscription = await transport.subscribe(
      topics.inventoryReplies,
      ORCHESTRATOR_GROUP,
      retryingHandler(transport, (message) => this.handleReply(message), replyRetry, logger),
    );
    this.#running = true;
    const interval = this.#options.tickIntervalMs ?? 200;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.runDueSteps();
        } catch (error) {
          logger.warn({ err: error }, 'saga timer pass failed; trying again');
        }
        await sleep(interval);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.#subscription?.stop();
    this.#subscription = undefined;
  }

  /** Creates the experiment as PENDING and sends its reservation, in one transaction. */
  async createExperiment(
    request: NewExperiment,
    options: StartOptions = {},
  ): Promise<ExperimentView> {
    const id = await inTransaction(this.#options.pool, (client) =>
      this.startExperiment(client, request, options),
    );
    const view = await this.getExperiment(id);
    if (view === undefined) throw new Error(`experiment ${id} vanished after it was created`);
    return view;
  }

  /**
   * Validates the request, stores the experiment as PENDING, records both steps and writes the
   * reservation command to the outbox, all through `client`, whose transaction the caller owns
   * and commits. Returns the new experiment's id.
   *
   * @throws {InvalidExperimentError} naming the field that breaks a rule.
   */
  async startExperiment(
    client: pg.ClientBase,
    request: NewExperiment,
    options: StartOptions = {},
  ): Promise<string> {
    const experiment = validateNewExperiment(request);
    const id = randomUUID();
    const trace = options.traceparent ?? newTraceparent();
    await client.query('INSERT INTO app.experiments (id, title, owner_id) VALUES ($1, $2, $3)', [
      id,
      experiment.title,
      options.ownerId ?? null,
    ]);
    for (const item of experiment.items) {
      await client.query(
        'INSERT INTO app.experiment_items (experiment_id, item_id, quantity) VALUES ($1, $2, $3)',
        [id, item.itemId, item.quantity],
      );
    }
    // The compensation is on record before its action leaves.
    await client.query(
      `INSERT INTO app.saga_steps (saga_id, name, kind, status, correlation_id)
       VALUES ($1, $2, 'compensation', 'PLANNED', $3)`,
      [id, RELEASE_STEP, randomUUID()],
    );
    const correlationId = randomUUID();
    await client.query(
      `INSERT INTO app.saga_steps
         (saga_id, name, kind, status, correlation_id, attempts, sent_at, next_attempt_at)
       VALUES ($1, $2, 'action', 'SENT', $3, 1, now(), now() + $4 * interval '1 millisecond')`,
      [id, RESERVE_STEP, correlationId, backoffDelayMs(this.#options.commandRetry, 1)],
    );
    await writeOutbox(
      client,
      'app.outbox',
      this.#command(id, messageTypes.reserveItems, correlationId, trace, {
        sagaId: id,
        items: experiment.items,
      }),
    );
    return id;
  }

  /**
   * Reads the experiment with its steps; undefined when there is none with `id`. Reads through
   * `client` when given, so a caller sees the rows of its own open transaction.
   */
  async getExperiment(
    id: string,
    client: Queryable = this.#options.pool,
  ): Promise<ExperimentView | undefined> {
    const experiment = await client.query<{
      id: string;
      owner_id: string | null;
      title: string;
      state: ExperimentState;
      reason: string | null;
      created_at: Date;
      updated_at: Date;
    }>(
      `SELECT id, owner_id, title, state, reason, created_at, updated_at
         FROM app.experiments WHERE id = $1`,
      [id],
    );
    const row = experiment.rows[0];
    if (row === undefined) return undefined;
    const items = await client.query<{ item_id: string; quantity: number }>(
      'SELECT item_id, quantity FROM app.experiment_items WHERE experiment_id = $1 ORDER BY item_id',
      [id],
    );
    const steps = await client.query<{
      name: string;
      kind: 'action' | 'compensation';
      status: string;
      attempts: number;
      detail: string | null;
      created_at: Date;
      sent_at: Date | null;
      finished_at: Date | null;
    }>(
      `SELECT name, kind, status, attempts, detail, created_at, sent_at, finished_at
         FROM app.saga_steps WHERE saga_id = $1 ORDER BY kind, created_at`,
      [id],
    );
    return {
      id: row.id,
      ownerId: row.owner_id,
      title: row.title,
      state: row.state,
      reason: row.reason,
      items: items.rows.map((item) => ({ itemId: item.item_id, quantity: item.quantity })),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      steps: steps.rows.map((step) => ({
        name: step.name,
        kind: step.kind,
        status: step.status,
        attempts: step.attempts,
        detail: step.detail,
        createdAt: step.created_at,
        sentAt: step.sent_at,
        finishedAt: step.finished_at,
      })),
    };
  }

  /** Lists items from the inventory service's published read model, `inventory.available_items`. */
  async listInventoryItems(): Promise<InventoryItemView[]> {
    const { rows } = await this.#options.pool.query<InventoryItemView>(
      'SELECT id, name, available FROM inventory.available_items ORDER BY id',
    );
    return rows;
  }

  /**
   * Applies one inventory reply. The message id is checked in Redis before any write, and the
   * `processed_messages` primary key stops a repeat that gets past Redis.
   */
  async handleReply(reply: SagaMessage): Promise<void> {
    const { store, pool } = this.#options;
    const key = `saga:reply:${reply.messageId}`;
    const seen = await store.get(key).catch((error: unknown) => {
      this.#options.logger.warn(
        { err: error, messageId: reply.messageId },
        'processed-reply lookup in Redis failed; relying on the database',
      );
      return undefined;
    });
    if (seen !== undefined) return;

    // Counted and logged after the commit, so a rolled-back attempt that is retried counts once.
    const reconciled = await inTransaction(pool, async (client) => {
      const first = await client.query(
        `INSERT INTO app.processed_messages (consumer, message_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING`,
        [ORCHESTRATOR_GROUP, reply.messageId],
      );
      if (first.rowCount === 0) return undefined;
      const sagaId = reply.key;
      const locked = await client.query<{ state: ExperimentState; reason: string | null }>(
        'SELECT state, reason FROM app.experiments WHERE id = $1 FOR UPDATE',
        [sagaId],
      );
      const state = locked.rows[0]?.state;
      const step = await this.#stepByCorrelation(client, sagaId, reply.correlationId);
      if (state === 'PENDING' && step?.status === 'SENT') {
        await this.#applyReply(client, sagaId, step, reply, locked.rows[0]?.reason ?? null);
      } else if (
        state === 'FAILED' &&
        step?.name === RELEASE_STEP &&
        step.status === 'DEAD_LETTERED' &&
        reply.type === messageTypes.itemsReleased
      ) {
        await this.#applyLateRelease(client, sagaId);
        return sagaId;
      }
      return undefined;
    });
    if (reconciled !== undefined) {
      this.#reconciled.inc();
      this.#options.logger.info(
        { sagaId: reconciled },
        'late release confirmed; FAILED saga is now REJECTED',
      );
    }
    await store.set(key, '1', PROCESSED_TTL_MS).catch((error: unknown) => {
      this.#options.logger.warn(
        { err: error, messageId: reply.messageId },
        'storing the processed reply in Redis failed',
      );
    });
  }

  /** Resends or gives up on every step whose reply is overdue; one saga at a time. */
  async runDueSteps(): Promise<void> {
    const { rows } = await this.#options.pool.query<{ saga_id: string }>(
      `SELECT DISTINCT saga_id FROM app.saga_steps
        WHERE status = 'SENT' AND next_attempt_at <= now() LIMIT 100`,
    );
    for (const row of rows) {
      try {
        await this.#runDueStep(row.saga_id);
      } catch (error) {
        this.#options.logger.warn({ sagaId: row.saga_id, err: error }, 'saga step retry failed');
      }
    }
  }

  async #runDueStep(sagaId: string): Promise<void> {
    const { pool, topics, logger } = this.#options;
    // The failed step's name, counted and logged after the commit.
    const failedStep = await inTransaction(pool, async (client): Promise<string | undefined> => {
      const locked = await client.query<{ state: ExperimentState }>(
        'SELECT state FROM app.experiments WHERE id = $1 FOR UPDATE SKIP LOCKED',
        [sagaId],
      );
      if (locked.rows[0]?.state !== 'PENDING') return undefined;
      const due = await client.query<StepRow & { payload: Record<string, unknown> }>(
        `SELECT name, kind, status, correlation_id, attempts FROM app.saga_steps
          WHERE saga_id = $1 AND status = 'SENT' AND next_attempt_at <= now()`,
        [sagaId],
      );
      const step = due.rows[0];
      if (step === undefined) return undefined;
      const command = await this.#commandFor(client, sagaId, step);

      const retry = this.#retryOf(step.kind);
      if (step.attempts < retry.maxAttempts) {
        await client.query(
          `UPDATE app.saga_steps SET attempts = attempts + 1,
                  next_attempt_at = now() + $3 * interval '1 millisecond'
            WHERE saga_id = $1 AND name = $2`,
          [sagaId, step.name, backoffDelayMs(retry, step.attempts + 1)],
        );
        await writeOutbox(client, 'app.outbox', command);
        logger.info({ sagaId, step: step.name, attempt: step.attempts + 1 }, 'saga step resent');
        return undefined;
      }

      await writeOutbox(client, 'app.outbox', {
        ...command,
        topic: deadLetterTopic(topics.inventoryCommands),
      });
      const detail = `no reply after ${step.attempts} attempts; dead-lettered`;
      await this.#finishStep(client, sagaId, step.name, 'DEAD_LETTERED', detail);
      if (step.kind === 'action') {
        logger.warn({ sagaId, step: step.name }, 'saga step dead-lettered; compensating');
        await client.query(
          'UPDATE app.experiments SET reason = $2, updated_at = now() WHERE id = $1',
          [
            sagaId,
            `the inventory service did not answer ${step.name} after ${step.attempts} attempts`,
          ],
        );
        await this.#sendCompensation(client, sagaId);
        return undefined;
      }
      const reason = `compensation ${step.name} did not complete after ${step.attempts} attempts`;
      await this.#endSaga(client, sagaId, 'FAILED', reason);
      return step.name;
    });
    if (failedStep !== undefined) {
      this.#failed.inc();
      logger.error({ sagaId, step: failedStep }, 'saga compensation failed; saga is FAILED');
    }
  }

  /**
   * Applies a reply to the step that is waiting for it. `reason` is the pending experiment's
   * reason: set only when the experiment must not be confirmed (see
   * {@link detachOwnerExperiments}), so a successful reservation is then released.
   */
  async #applyReply(
    client: pg.PoolClient,
    sagaId: string,
    step: StepRow,
    reply: SagaMessage,
    reason: string | null,
  ): Promise<void> {
    if (step.name === RESERVE_STEP && reply.type === messageTypes.itemsReserved) {
      await this.#finishStep(client, sagaId, RESERVE_STEP, 'SUCCEEDED', null);
      if (reason !== null) {
        this.#options.logger.info(
          { sagaId, reason },
          'reservation made for a deleted owner; releasing it',
        );
        await this.#sendCompensation(client, sagaId);
        return;
      }
      await this.#finishStep(client, sagaId, RELEASE_STEP, 'NOT_NEEDED', null);
      await this.#endSaga(client, sagaId, 'CONFIRMED', null);
      return;
    }
    if (step.name === RESERVE_STEP && reply.type === messageTypes.transactionFailed) {
      const replyReason = reply.payload['reason'];
      const reason =
        typeof replyReason === 'string' ? replyReason : 'the inventory rejected the reservation';
      await this.#finishStep(client, sagaId, RESERVE_STEP, 'FAILED', reason);
      // The inventory reserves all items or none, so a refusal leaves nothing to release.
      await this.#finishStep(client, sagaId, RELEASE_STEP, 'NOT_NEEDED', null);
      await this.#endSaga(client, sagaId, 'REJECTED', reason);
      return;
    }
    if (step.name === RELEASE_STEP && reply.type === messageTypes.itemsReleased) {
      await this.#finishStep(client, sagaId, RELEASE_STEP, 'SUCCEEDED', null);
      const current = await client.query<{ reason: string | null }>(
        'SELECT reason FROM app.experiments WHERE id = $1',
        [sagaId],
      );
      await this.#endSaga(
        client,
        sagaId,
        'REJECTED',
        current.rows[0]?.reason ?? 'the reservation was compensated',
      );
    }
  }

  /**
   * Ends a FAILED saga as REJECTED when the inventory confirms its release after all: the
   * inventory was only slow, and nothing is left for an operator to undo.
   */
  async #applyLateRelease(client: pg.PoolClient, sagaId: string): Promise<void> {
    await this.#finishStep(
      client,
      sagaId,
      RELEASE_STEP,
      'SUCCEEDED',
      'released after the saga had been marked FAILED',
    );
    await this.#endSaga(
      client,
      sagaId,
      'REJECTED',
      'the inventory service answered too late; the reservation was released',
    );
  }

  #retryOf(kind: StepRow['kind']): BackoffPolicy {
    const { commandRetry, compensationRetry } = this.#options;
    return kind === 'compensation' ? (compensationRetry ?? commandRetry) : commandRetry;
  }

  async #sendCompensation(client: pg.PoolClient, sagaId: string): Promise<void> {
    const { rows } = await client.query<StepRow>(
      `UPDATE app.saga_steps SET status = 'SENT', attempts = 1, sent_at = now(),
              next_attempt_at = now() + $3 * interval '1 millisecond'
        WHERE saga_id = $1 AND name = $2
        RETURNING name, kind, status, correlation_id, attempts`,
      [sagaId, RELEASE_STEP, backoffDelayMs(this.#retryOf('compensation'), 1)],
    );
    const step = rows[0];
    if (step === undefined) throw new Error(`saga ${sagaId} has no ${RELEASE_STEP} step`);
    await writeOutbox(client, 'app.outbox', await this.#commandFor(client, sagaId, step));
  }

  async #commandFor(client: pg.PoolClient, sagaId: string, step: StepRow): Promise<SagaMessage> {
    const first = await client.query<{ traceparent: string | null }>(
      'SELECT traceparent FROM app.outbox WHERE message_key = $1 ORDER BY id LIMIT 1',
      [sagaId],
    );
    const trace = first.rows[0]?.traceparent ?? newTraceparent();
    if (step.name === RELEASE_STEP) {
      return this.#command(sagaId, messageTypes.releaseItems, step.correlation_id, trace, {
        sagaId,
      });
    }
    const items = await client.query<{ item_id: string; quantity: number }>(
      'SELECT item_id, quantity FROM app.experiment_items WHERE experiment_id = $1 ORDER BY item_id',
      [sagaId],
    );
    return this.#command(sagaId, messageTypes.reserveItems, step.correlation_id, trace, {
      sagaId,
      items: items.rows.map((item) => ({ itemId: item.item_id, quantity: item.quantity })),
    });
  }

  #command(
    sagaId: string,
    type: string,
    correlationId: string,
    traceparent: string,
    payload: Record<string, unknown>,
  ): SagaMessage {
    return {
      messageId: randomUUID(),
      topic: this.#options.topics.inventoryCommands,
      key: sagaId,
      type,
      correlationId,
      traceparent,
      payload,
    };
  }

  async #stepByCorrelation(
    client: pg.PoolClient,
    sagaId: string,
    correlationId: string,
  ): Promise<StepRow | undefined> {
    const { rows } = await client.query<StepRow>(
      `SELECT name, kind, status, correlation_id, attempts FROM app.saga_steps
        WHERE saga_id = $1 AND correlation_id = $2`,
      [sagaId, correlationId],
    );
    return rows[0];
  }

  async #finishStep(
    client: pg.PoolClient,
    sagaId: string,
    name: string,
    status: string,
    detail: string | null,
  ): Promise<void> {
    await client.query(
      `UPDATE app.saga_steps SET status = $3, detail = $4, finished_at = now(),
              next_attempt_at = NULL
        WHERE saga_id = $1 AND name = $2`,
      [sagaId, name, status, detail],
    );
  }

  async #endSaga(
    client: pg.PoolClient,
    sagaId: string,
    state: Exclude<ExperimentState, 'PENDING'>,
    reason: string | null,
  ): Promise<void> {
    await client.query(
      'UPDATE app.experiments SET state = $2, reason = $3, updated_at = now() WHERE id = $1',
      [sagaId, state, reason],
    );
    const type =
      state === 'CONFIRMED'
        ? messageTypes.experimentConfirmed
        : state === 'REJECTED'
          ? messageTypes.experimentRejected
          : messageTypes.experimentFailed;
    await writeOutbox(client, 'app.outbox', {
      messageId: randomUUID(),
      topic: this.#options.topics.experimentEvents,
      key: sagaId,
      type,
      correlationId: sagaId,
      payload: { experimentId: sagaId, state, reason },
    });
  }
}

/** Creates a W3C trace context for a saga that was started without one. */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}
