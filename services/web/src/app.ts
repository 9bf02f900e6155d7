import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ChildLoggerOptions } from 'pino';
import { bindTraceFields } from '@palisade/telemetry';
import type { Registry } from 'prom-client';

import type { AccessTokenCheck } from './auth/authenticate.js';
import { createSecurity, type SecurityOptions } from './auth/security.js';
import type { Gatekeeper } from './gatekeeper/gatekeeper-client.js';
import { createClientErrorHandler } from './http/client-errors.js';
import { registerOpenApi } from './http/openapi.js';
import { REQUEST_ID_HEADER, requestIdOf } from './http/request-id.js';
import { helmetHeaders } from './http/security-headers.js';
import { createValidatorCompiler } from './http/schema-validation.js';
import { AccessLogController } from './logging/access-log.js';
import {
  createRateLimitCounter,
  registerRequestObservability,
} from './metrics/request-observability.js';
import {
  registerProblemHandlers,
  respondWithProblem,
  sendProblem,
} from './problem/error-handler.js';
import { ProblemError, problemKinds } from './problem/problem.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerEntriesRoutes } from './routes/entries-routes.js';
import { registerExperimentsRoutes } from './routes/experiments-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerMeRoutes } from './routes/me-routes.js';
import { registerRevocationRoutes } from './routes/revocation-routes.js';
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
  /** Registry that receives the request metrics; none are recorded without it. */
  readonly metricsRegistry?: Registry;
  /** Sessions, browser login, revocation and rate limits; in-memory defaults when absent. */
  readonly security?: SecurityOptions;
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
  const security = createSecurity(deps.verifier, {
    ...deps.security,
    ...(deps.metricsRegistry === undefined
      ? {}
      : { onRateLimited: createRateLimitCounter(deps.metricsRegistry) }),
  });
  const trustedProxies = deps.security?.trustedProxies ?? [];
  const securityHeaders = helmetHeaders();
  const setCommonHeaders = (request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(securityHeaders);
    // On the raw response, where the client error handler finds it if the body stalls.
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
  };
  const app = Fastify({
    ...(deps.logger
      ? { loggerInstance: deps.logger.child({}, { serializers: { req: serializeRequest } }) }
      : { logger: false }),
    bodyLimit: deps.bodyLimitBytes ?? 16_384,
    requestTimeout: timeouts.requestMs,
    http: {
      // Fastify sets requestTimeout only after it creates the server, which leaves Node's
      // headersTimeout at 60 s, and a stalled body then ran for 60 s, not requestTimeout.
      requestTimeout: timeouts.requestMs,
      headersTimeout: timeouts.requestMs,
      // Node checks both timeouts on this interval, every 30 s by default.
      connectionsCheckingInterval: Math.min(1000, timeouts.requestMs),
    },
    clientErrorHandler: createClientErrorHandler(securityHeaders),
    // request.ip comes from X-Forwarded-For only when the TCP peer is one of these proxies.
    trustProxy: trustedProxies.length > 0 ? [...trustedProxies] : false,
    genReqId: requestIdOf,
    logController: new AccessLogController({ requestIdLogLabel: 'request_id' }),
    // Created while the request's span is active, so that every line of the request, including
    // 'request completed' from a response event, carries its trace_id.
    childLoggerFactory: (logger, bindings, options) =>
      bindTraceFields(logger, bindings, childLoggerOptions(options)),
    // Fastify rejects a malformed URL or an overlong path parameter before any hook runs, so this
    // handler sets the headers that the first onRequest hook sets for every other request.
    frameworkErrors: (error, request, reply) => {
      setCommonHeaders(request, reply);
      void respondWithProblem(error, request, reply);
    },
    // Requests that arrive on open connections while the server closes get the 503 of the first
    // onRequest hook, which has the headers, request id and access line that Fastify's lacks.
    return503OnClosing: false,
    // A HEAD route would run the GET handler, and GET /api/me creates the user and writes
    // audit events, so no HEAD routes are derived from GET routes.
    exposeHeadRoutes: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  registerProblemHandlers(app);
  registerRequestObservability(app, deps.metricsRegistry);
  registerJsonParsers(app);
  // Set as Fastify starts to close, when it also adds `Connection: close` to every response.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', async (request, reply) => {
    setCommonHeaders(request, reply);
    if (!closing) return;
    return sendProblem(request, reply, {
      kind: problemKinds.unavailable,
      detail: 'The server is shutting down; send the request again',
    });
  });
  for (const hook of security.requestHooks) app.addHook('onRequest', hook);
  if (security.ownsStore) app.addHook('onClose', () => security.store.close());

  await app.register(cookie);
  await registerOpenApi(app);

  const routeDeps: RouteDependencies = {
    gatekeeper: deps.gatekeeper,
    policies: security.policies,
    timeouts,
  };
  registerHealthRoutes(app, routeDeps);
  registerMeRoutes(app, routeDeps);
  registerAdminRoutes(app, routeDeps);
  registerAuthRoutes(app, routeDeps, security);
  registerRevocationRoutes(app, routeDeps, security);
  registerEntriesRoutes(app, routeDeps);
  registerExperimentsRoutes(app, routeDeps);

  return app;
}

/**
 * Accepts JSON bodies only: plain `application/json` and JSON merge patch (RFC 7396), parsed
 * with the same prototype-poisoning protection. Any other media type gets 415. A body that is
 * valid JSON but contains a `__proto__` key or a `constructor` key with a `prototype` gets 400
 * that names those keys, rather than Fastify's "not valid JSON".
 */
function registerJsonParsers(app: TypedApp): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    void parseJson(request, text, (error, value) => {
      // Fastify's parser reports poisoning as invalid JSON. Only on that path is the body
      // parsed a second time, to tell the two apart.
      if (error !== null && isJson(text)) {
        done(
          new ProblemError(
            problemKinds.badRequest,
            'The request body contains a "__proto__" key or a "constructor" key with a ' +
              '"prototype", which are not accepted: rename the key',
          ),
          undefined,
        );
        return;
      }
      done(error, value);
    });
  });
}

function isJson(text: string): boolean {
  try {
    // Fastify's parser skips a leading byte order mark, and JSON.parse does not.
    JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the options of a request's child logger: none in the usual case, which keeps pino's
 * fast path. A route's own `logSerializers` keep {@link serializeRequest} for `req`, so no route
 * logs a query string.
 */
function childLoggerOptions(options: ChildLoggerOptions): ChildLoggerOptions | undefined {
  if (options.serializers === undefined) {
    return Object.keys(options).length === 0 ? undefined : options;
  }
  return { ...options, serializers: { ...options.serializers, req: serializeRequest } };
}

/**
 * Serialises a request for the log without its query string or fragment: a client may send a
 * token as `?access_token=`, and the login callback carries the authorisation code and state there.
 */
function serializeRequest(request: FastifyRequest) {
  // Node passes a `#fragment` in the request target on, and it can carry a token as well.
  const end = request.url.search(/[?#]/);
  return {
    method: request.method,
    url: end === -1 ? request.url : `${request.url.slice(0, end + 1)}[redacted]`,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}
