import {
  Experiment,
  ExperimentState,
  type CreateExperimentRequest,
  type InventoryItem,
  type SagaStep,
} from '@palisade/contracts';
import {
  InvalidExperimentError,
  type ExperimentSaga,
  type ExperimentView,
  type StartOptions,
} from '@palisade/inventory';
import type pg from 'pg';

import { appendAuditEvent, type AuditAction } from '../audit/audit-log.js';
import type { CallContext } from '../caller.js';
import { withTransaction } from '../db/pool.js';
import { invalidArgument, notFound } from '../errors.js';
import type { IdempotentWrites } from '../idempotency/idempotent-writes.js';
import { findUserId, insertUserIfMissing } from '../users/user-store.js';
import { isUuid } from '../users/uuid.js';

const states: Record<ExperimentView['state'], ExperimentState> = {
  PENDING: ExperimentState.EXPERIMENT_STATE_PENDING,
  CONFIRMED: ExperimentState.EXPERIMENT_STATE_CONFIRMED,
  REJECTED: ExperimentState.EXPERIMENT_STATE_REJECTED,
  FAILED: ExperimentState.EXPERIMENT_STATE_FAILED,
};

/**
 * Business functions on experiments. Creating one starts its saga in the transaction that
 * stores it, so the experiment, its planned compensation, the reservation command in the outbox
 * and the audit event commit together. An experiment's owner alone reads it: other users,
 * admins included, get NOT_FOUND as for an experiment that does not exist.
 */
export class ExperimentFunctions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly saga: ExperimentSaga,
    private readonly idempotentWrites: IdempotentWrites,
    private readonly currentTraceparent: () => string | undefined = () => undefined,
  ) {}

  /** Creates an experiment owned by the caller as PENDING and starts its saga. */
  async createExperiment(
    context: CallContext,
    request: CreateExperimentRequest,
  ): Promise<Experiment> {
    const operation = { method: 'CreateExperiment', request, codec: Experiment };
    return this.idempotentWrites.run(context, operation, async (client) => {
      const { caller } = context;
      const { userId, created } = await insertUserIfMissing(client, caller.issuer, caller.subject);
      const traceparent = this.currentTraceparent();
      const options: StartOptions = {
        ownerId: userId,
        ...(traceparent === undefined ? {} : { traceparent }),
      };
      const id = await this.saga.startExperiment(client, request, options).catch(toInvalidArgument);
      const view = await this.saga.getExperiment(id, client);
      if (view === undefined) throw new Error(`experiment ${id} not readable after insert`);

      if (created) await audit(client, context, userId, 'user.create', 'user', userId);
      await audit(client, context, userId, 'experiment.create', 'experiment', id);
      context.logger.info({ experimentId: id }, 'experiment created; saga started');
      return toExperiment(view);
    });
  }

  /** Returns one experiment of the caller, with its saga steps. */
  async getExperiment(context: CallContext, experimentId: string): Promise<Experiment> {
    const missing = notFound(`experiment ${JSON.stringify(experimentId.slice(0, 64))} not found`);
    if (!isUuid(experimentId)) throw missing;

    return withTransaction(this.pool, async (client) => {
      const { caller } = context;
      const callerId = await findUserId(client, caller.issuer, caller.subject);
      if (callerId === undefined) throw missing;
      const view = await this.saga.getExperiment(experimentId, client);
      if (view?.ownerId !== callerId) throw missing;

      await audit(client, context, callerId, 'experiment.read', 'experiment', view.id);
      return toExperiment(view);
    });
  }

  /** Lists the inventory items with the stock that no experiment holds. */
  async listInventoryItems(): Promise<{ items: InventoryItem[] }> {
    return { items: await this.saga.listInventoryItems() };
  }
}

function toInvalidArgument(error: unknown): never {
  if (error instanceof InvalidExperimentError) {
    throw invalidArgument(`${error.field}: ${error.message}`);
  }
  throw error;
}

async function audit(
  client: pg.ClientBase,
  context: CallContext,
  actorId: string,
  action: AuditAction,
  targetType: 'user' | 'experiment',
  targetId: string,
): Promise<void> {
  await appendAuditEvent(client, {
    actorId,
    actorSubject: context.caller.subject,
    requestId: context.requestId,
    action,
    targetType,
    targetId,
  });
}

function toExperiment(view: ExperimentView): Experiment {
  return {
    id: view.id,
    ownerId: view.ownerId ?? '',
    title: view.title,
    state: states[view.state],
    ...(view.reason === null ? {} : { reason: view.reason }),
    items: view.items.map((item) => ({ itemId: item.itemId, quantity: item.quantity })),
    steps: view.steps.map(toSagaStep),
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}

function toSagaStep(step: ExperimentView['steps'][number]): SagaStep {
  return {
    name: step.name,
    kind: step.kind,
    status: step.status,
    attempts: step.attempts,
    ...(step.detail === null ? {} : { detail: step.detail }),
    createdAt: step.createdAt,
    sentAt: step.sentAt ?? undefined,
    finishedAt: step.finishedAt ?? undefined,
  };
}
