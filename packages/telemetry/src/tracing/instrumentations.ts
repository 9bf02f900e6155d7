import { createRequire } from 'node:module';

import type { Instrumentation } from '@opentelemetry/instrumentation';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/**
 * Creates the instrumentations every service loads. All run on Node 20 in the
 * 0.223 / 2.12 line of OpenTelemetry JS, the last one whose packages accept
 * Node 20 (0.300 and later need Node 22.15).
 *
 * - http: incoming requests (Fastify and the IdP run on node:http) and
 *   outgoing node:http calls.
 * - undici: global fetch, which the token verifiers use for JWKS.
 * - grpc: client and server spans of @grpc/grpc-js, trace context in metadata.
 * - pg: one span per query, with the fixed SQL text but never the parameter
 *   values, which can hold personal data. Loaded only where the service
 *   itself depends on @opentelemetry/instrumentation-pg (see
 *   {@link loadPgInstrumentation}).
 * - ioredis and redis: command spans that name only the command, because keys
 *   and arguments can carry token ids or personal data.
 * - kafkajs: producer and consumer spans, trace context in message headers.
 *
 * Fastify gets no instrumentation of its own: the http server span, which the
 * web tier names after its route, is the request's span, and @fastify/otel
 * 0.21 would add a span per hook and a second copy of
 * @opentelemetry/instrumentation (it depends on 0.222). Logs get their trace
 * ids from the logger's mixin, not from @opentelemetry/instrumentation-pino,
 * so correlation works even where no instrumentation is loaded (unit tests).
 *
 * With `propagationOnly`, for a process that exports no spans, only the
 * instrumentations that carry trace context between processes load: http,
 * gRPC and kafkajs. The others would only add child spans that nothing
 * records.
 */
export function createInstrumentations(
  entryPoint = process.argv[1],
  options: { readonly propagationOnly?: boolean } = {},
): Instrumentation[] {
  if (options.propagationOnly === true) {
    return [
      new HttpInstrumentation(),
      new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch'] }),
      new KafkaJsInstrumentation(),
    ];
  }
  const commandOnly = (command: string) => command;
  const pg = entryPoint === undefined ? undefined : loadPgInstrumentation(entryPoint);
  return [
    new HttpInstrumentation(),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    // Health checks run every few seconds from probes, so they would flood the traces.
    new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch'] }),
    ...(pg === undefined ? [] : [pg]),
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: commandOnly }),
    new RedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: commandOnly }),
    new KafkaJsInstrumentation(),
  ];
}

/** The part of @opentelemetry/instrumentation-pg that {@link loadPgInstrumentation} uses. */
interface PgInstrumentationModule {
  readonly PgInstrumentation: new (config: {
    requireParentSpan: boolean;
    enhancedDatabaseReporting: boolean;
  }) => Instrumentation;
}

/**
 * Loads the PostgreSQL instrumentation from the dependencies of the service
 * whose entry point is `entryPoint`, or returns undefined when the service has
 * none. It is not a dependency of this package: it depends on @types/pg and so
 * on pg-protocol, and the web tier's dependency tree must contain no
 * PostgreSQL code at all.
 */
export function loadPgInstrumentation(entryPoint: string): Instrumentation | undefined {
  const requireFromService = createRequire(entryPoint);
  let loaded: PgInstrumentationModule;
  try {
    loaded = requireFromService('@opentelemetry/instrumentation-pg') as PgInstrumentationModule;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  return new loaded.PgInstrumentation({
    requireParentSpan: true,
    enhancedDatabaseReporting: false,
  });
}
