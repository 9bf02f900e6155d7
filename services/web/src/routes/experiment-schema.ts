import {
  displayTextPattern,
  ExperimentState,
  type Experiment,
  type InventoryItem,
  type SagaStep,
} from '@palisade/contracts';
import { Type, type Static } from 'typebox';

import { isoTimestamp } from './profile-schema.js';

/** Limits of a new experiment; the gatekeeper checks the same ones again. */
export const experimentLimits = {
  titleMaxLength: 200,
  itemsMaxCount: 50,
  quantityMax: 10_000,
} as const;

const itemIdSchema = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,63}$',
  description: 'Inventory item id, as `GET /api/inventory/items` lists them.',
});

const itemQuantitySchema = Type.Object(
  {
    itemId: itemIdSchema,
    quantity: Type.Integer({ minimum: 1, maximum: experimentLimits.quantityMax }),
  },
  { additionalProperties: false },
);

/** Body of `POST /api/experiments`. */
export const experimentCreateSchema = Type.Object(
  {
    title: Type.String({
      minLength: 1,
      maxLength: experimentLimits.titleMaxLength,
      pattern: displayTextPattern,
      description: 'One line with a visible character; no control or bidirectional characters.',
    }),
    items: Type.Array(itemQuantitySchema, {
      minItems: 1,
      maxItems: experimentLimits.itemsMaxCount,
      description: 'Distinct items to reserve, each once with its total quantity.',
    }),
  },
  { additionalProperties: false },
);

export type ExperimentCreate = Static<typeof experimentCreateSchema>;

export const experimentIdParamsSchema = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'Experiment id.' }) },
  { additionalProperties: false },
);

type StateName = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'FAILED';

const stepSchema = Type.Object({
  name: Type.String({ description: '`reserve-items` or its compensation `release-items`.' }),
  kind: Type.Union([Type.Literal('action'), Type.Literal('compensation')]),
  status: Type.String({
    description: 'PLANNED, SENT, SUCCEEDED, FAILED, DEAD_LETTERED or NOT_NEEDED.',
  }),
  attempts: Type.Integer({ description: 'Sends of the step so far.' }),
  detail: Type.Optional(Type.String({ description: 'Why the step failed.' })),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Type.Optional(Type.String({ format: 'date-time' })),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
});

/** An experiment with the steps of its saga, as the API returns it. */
export const experimentSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  ownerId: Type.String({ format: 'uuid' }),
  title: Type.String(),
  state: Type.Union(
    [
      Type.Literal('PENDING'),
      Type.Literal('CONFIRMED'),
      Type.Literal('REJECTED'),
      Type.Literal('FAILED'),
    ],
    {
      description:
        'PENDING while the saga runs; CONFIRMED when every item is reserved; REJECTED with a ' +
        'reason when nothing is; FAILED when a compensation did not complete.',
    },
  ),
  reason: Type.Optional(Type.String()),
  items: Type.Array(Type.Object({ itemId: Type.String(), quantity: Type.Integer() })),
  steps: Type.Array(stepSchema),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export type ExperimentJson = Static<typeof experimentSchema>;

/** The inventory's items with their unreserved stock. */
export const inventoryItemsSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      available: Type.Integer({ description: 'Stock no experiment has reserved.' }),
    }),
  ),
});

const stateOf: Readonly<Record<ExperimentState, StateName | undefined>> = {
  [ExperimentState.EXPERIMENT_STATE_UNSPECIFIED]: undefined,
  [ExperimentState.EXPERIMENT_STATE_PENDING]: 'PENDING',
  [ExperimentState.EXPERIMENT_STATE_CONFIRMED]: 'CONFIRMED',
  [ExperimentState.EXPERIMENT_STATE_REJECTED]: 'REJECTED',
  [ExperimentState.EXPERIMENT_STATE_FAILED]: 'FAILED',
  [ExperimentState.UNRECOGNIZED]: undefined,
};

/**
 * Converts a gatekeeper experiment to its JSON form.
 *
 * @throws {Error} when the state is unset or unknown, which breaks the contract and becomes a 500.
 */
export function toExperimentJson(experiment: Experiment): ExperimentJson {
  const state = stateOf[experiment.state];
  if (state === undefined) {
    throw new Error(`The gatekeeper returned the unknown experiment state ${experiment.state}`);
  }
  return {
    id: experiment.id,
    ownerId: experiment.ownerId,
    title: experiment.title,
    state,
    ...(experiment.reason === undefined ? {} : { reason: experiment.reason }),
    items: experiment.items.map((item) => ({ itemId: item.itemId, quantity: item.quantity })),
    steps: experiment.steps.map(toStepJson),
    createdAt: isoTimestamp(experiment.createdAt, 'Experiment.created_at'),
    updatedAt: isoTimestamp(experiment.updatedAt, 'Experiment.updated_at'),
  };
}

function toStepJson(step: SagaStep): ExperimentJson['steps'][number] {
  return {
    name: step.name,
    kind: step.kind === 'compensation' ? 'compensation' : 'action',
    status: step.status,
    attempts: step.attempts,
    ...(step.detail === undefined ? {} : { detail: step.detail }),
    createdAt: isoTimestamp(step.createdAt, 'SagaStep.created_at'),
    ...(step.sentAt === undefined ? {} : { sentAt: step.sentAt.toISOString() }),
    ...(step.finishedAt === undefined ? {} : { finishedAt: step.finishedAt.toISOString() }),
  };
}

/** Converts the gatekeeper's inventory items to their JSON form. */
export function toInventoryItemsJson(items: readonly InventoryItem[]) {
  return { items: items.map(({ id, name, available }) => ({ id, name, available })) };
}
