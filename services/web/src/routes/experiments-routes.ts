import { ProblemError, problemKinds, problemResponse } from '../problem/problem.js';
import {
  experimentCreateSchema,
  experimentIdParamsSchema,
  experimentSchema,
  inventoryItemsSchema,
  toExperimentJson,
  toInventoryItemsJson,
  type ExperimentCreate,
} from './experiment-schema.js';
import {
  bearerSecurity,
  callContextOf,
  type RouteDependencies,
  type TypedApp,
} from './route-context.js';
import { canonicalUuid } from '../http/uuid.js';

const errorResponses = {
  401: problemResponse('Missing or invalid access token.'),
  503: problemResponse('Gatekeeper or identity provider unavailable.'),
  504: problemResponse('Gatekeeper timed out.'),
};
const invalidInput = { 400: problemResponse('Invalid input; `errors` names each field at fault.') };

/**
 * Registers the experiment and inventory routes. Any authenticated user may call them; an
 * experiment is visible to its owner alone, and other users get 404.
 */
export function registerExperimentsRoutes(app: TypedApp, deps: RouteDependencies): void {
  app.post(
    '/api/experiments',
    {
      onRequest: deps.policies.authenticated,
      preHandler: (request) => checkDistinctItems(request.body),
      schema: {
        summary: 'Creates an experiment and starts reserving its items',
        description:
          'The experiment starts PENDING. Poll `GET /api/experiments/{id}` until it is ' +
          'CONFIRMED (every item reserved) or REJECTED (nothing reserved, with the reason). ' +
          'With an `Idempotency-Key` header a retried request returns the first result.',
        tags: ['experiments'],
        security: bearerSecurity,
        body: experimentCreateSchema,
        response: {
          201: experimentSchema,
          ...invalidInput,
          422: problemResponse('The Idempotency-Key was used with another request.'),
          413: problemResponse('Body too large.'),
          415: problemResponse('Body is not JSON.'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const context = callContextOf(request, reply, deps.timeouts);
      const experiment = await deps.gatekeeper.createExperiment(context, {
        title: request.body.title,
        items: request.body.items.map(({ itemId, quantity }) => ({ itemId, quantity })),
      });
      void reply.code(201).header('location', `/api/experiments/${experiment.id}`);
      return toExperimentJson(experiment);
    },
  );

  app.get(
    '/api/experiments/:id',
    {
      onRequest: deps.policies.authenticated,
      schema: {
        summary: "Returns one of the caller's experiments with each saga step",
        tags: ['experiments'],
        security: bearerSecurity,
        params: experimentIdParamsSchema,
        response: {
          200: experimentSchema,
          ...invalidInput,
          404: problemResponse('No such experiment of the caller.'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const context = callContextOf(request, reply, deps.timeouts);
      const experiment = await deps.gatekeeper.getExperiment(context, {
        id: canonicalUuid(request.params.id),
      });
      return toExperimentJson(experiment);
    },
  );

  app.get(
    '/api/inventory/items',
    {
      onRequest: deps.policies.authenticated,
      schema: {
        summary: 'Lists the inventory items with their unreserved stock',
        tags: ['experiments'],
        security: bearerSecurity,
        response: { 200: inventoryItemsSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const context = callContextOf(request, reply, deps.timeouts);
      const { items } = await deps.gatekeeper.listInventoryItems(context);
      return toInventoryItemsJson(items);
    },
  );
}

/** Rejects an item listed twice, naming the second place, as the gatekeeper would. */
function checkDistinctItems(experiment: ExperimentCreate): Promise<void> {
  const seen = new Set<string>();
  for (const [index, item] of experiment.items.entries()) {
    if (seen.has(item.itemId)) {
      const field = `/items/${index}/itemId`;
      const message = `lists ${item.itemId} again: give each item once with its total quantity`;
      return Promise.reject(
        new ProblemError(problemKinds.validation, `${field} ${message}`, {
          errors: [{ field, message }],
        }),
      );
    }
    seen.add(item.itemId);
  }
  return Promise.resolve();
}
