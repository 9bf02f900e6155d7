import { Type } from 'typebox';

import { GatekeeperCallError } from '../gatekeeper/gatekeeper-call-error.js';
import { ProblemError, problemKinds, problemResponse } from '../problem/problem.js';
import { callContextOf, type RouteDependencies, type TypedApp } from './route-context.js';

/** Maximum wait for the gatekeeper's health response, because probes must return quickly. */
const READINESS_TIMEOUT_MS = 1000;

const statusSchema = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });

/** Registers the liveness and readiness probes, both public. */
export function registerHealthRoutes(app: TypedApp, deps: RouteDependencies): void {
  app.get(
    '/api/healthz',
    {
      onRequest: deps.policies.public,
      schema: {
        summary: 'Liveness: the process is up; checks no dependency',
        tags: ['health'],
        response: { 200: statusSchema },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/api/readyz',
    {
      onRequest: deps.policies.public,
      schema: {
        summary: 'Readiness: the gatekeeper reports SERVING on its gRPC health check',
        tags: ['health'],
        response: { 200: statusSchema, 503: problemResponse('The gatekeeper is not ready.') },
      },
    },
    async (request, reply) => {
      const maxWaitMs = Math.min(READINESS_TIMEOUT_MS, deps.timeouts.gatekeeperMs);
      const context = callContextOf(request, reply, deps.timeouts, maxWaitMs);

      let servingStatus: string;
      try {
        servingStatus = await deps.gatekeeper.checkHealth(context);
      } catch (error) {
        if (!(error instanceof GatekeeperCallError)) throw error;
        throw new ProblemError(problemKinds.unavailable, 'The gatekeeper health check failed', {
          cause: error,
        });
      }

      if (servingStatus !== 'SERVING') {
        throw new ProblemError(problemKinds.unavailable, `The gatekeeper reports ${servingStatus}`);
      }
      return { status: 'ok' as const };
    },
  );
}
