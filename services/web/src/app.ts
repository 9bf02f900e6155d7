import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';

import { createAccessPolicies } from './auth/access-policy.js';
import type { AccessTokenCheck } from './auth/authenticate.js';
import type { Gatekeeper } from './gatekeeper/gatekeeper-client.js';
import { registerOpenApi } from './http/openapi.js';
import { REQUEST_ID_HEADER, requestIdOf } from './http/request-id.js';
import { createValidatorCompiler } from './http/schema-validation.js';
import { registerProblemHandlers } from './problem/error-handler.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerMeRoutes } from './routes/me-routes.js';
import type { RouteDependencies, TypedApp } from './routes/route-context.js';

/** Dependencies of the web app. Only `gatekeeper` and `verifier` have no default. */
export interface AppDependencies {
  readonly gatekeeper: Gatekeeper;
  /** Access token check: an `AccessTokenVerifier` from `@palisade/identity`. */
  readonly verifier: AccessTokenCheck;
  /** Request logger. Logging is off when absent. */
  readonly logger?: FastifyBaseLogger;
  /** Largest request body, in bytes. Default 16384. */
  readonly bodyLimitBytes?: number;
  /** Deadline of each gatekeeper call, in milliseconds. Default 2000. */
  readonly gatekeeperTimeoutMs?: number;
  /** Budget of a whole request, in milliseconds. Default 10000. */
  readonly requestTimeoutMs?: number;
}

const JSON_MEDIA_TYPES = ['application/json', 'application/merge-patch+json'];

/**
 * Builds the web tier's Fastify app with its routes, ready for `listen()` or `inject()`. The
 * caller owns the gatekeeper client and closes it after `app.close()`.
 */
export async function buildApp(deps: AppDependencies): Promise<TypedApp> {
  const timeouts = {
    gatekeeperMs: deps.gatekeeperTimeoutMs ?? 2000,
    requestMs: deps.requestTimeoutMs ?? 10_000,
  };
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: deps.bodyLimitBytes ?? 16_384,
    requestTimeout: timeouts.requestMs,
    trustProxy: false,
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  registerProblemHandlers(app);
  registerJsonParsers(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });

  await app.register(helmet);
  await registerOpenApi(app);

  const routeDeps: RouteDependencies = {
    gatekeeper: deps.gatekeeper,
    policies: createAccessPolicies(deps.verifier),
    timeouts,
  };
  registerHealthRoutes(app, routeDeps);
  registerMeRoutes(app, routeDeps);
  registerAdminRoutes(app, routeDeps);

  return app;
}

/**
 * Accepts JSON bodies only: plain `application/json` and JSON merge patch (RFC 7396), parsed
 * with the same prototype-poisoning protection. Any other media type gets 415.
 */
function registerJsonParsers(app: TypedApp): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'string' }, parseJson);
}
