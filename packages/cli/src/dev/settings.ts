import { loadConfig } from '@palisade/config';
import { Type, type Static } from 'typebox';

import { developmentHome } from '../paths.js';

const port = (fallback: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: fallback, description });

const devSettingsSchema = Type.Object({
  WEB_PORT: port(3000, 'Port of the web tier.'),
  GATEKEEPER_PORT: port(50051, 'Port of the gatekeeper (gRPC over mutual TLS).'),
  IDP_PORT: port(4000, 'Port of the development identity provider.'),
  PALISADE_DATABASE_PORT: port(55432, 'Port of the embedded PostgreSQL (PGlite).'),
  EDGE_PORT: port(8080, 'Port of the edge, which serves the frontend and proxies /api/* to web.'),
  WEB_PUBLIC_ORIGIN: Type.Optional(
    Type.String({
      pattern: '^https?://[^/]+$',
      description:
        'Origin browsers use, where login callbacks land. Default: the edge, ' +
        'http://127.0.0.1:EDGE_PORT.',
    }),
  ),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'A PostgreSQL server to use instead of the embedded database.',
    }),
  ),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description:
        'A Redis server for the web tier and the gatekeeper; unset, each keeps its state in memory.',
    }),
  ),
  REDIS_KEY_PREFIX: Type.Optional(
    Type.String({ minLength: 1, description: 'Prefix of every Redis key; default `palisade:`.' }),
  ),
  LOG_LEVEL: Type.String({ default: 'info', description: 'pino log level of every service.' }),
  LOG_FORMAT: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('pretty')], {
      description:
        'Log format of every service. Default: pretty when this terminal shows the output, ' +
        'else json.',
    }),
  ),
  GATEKEEPER_METRICS_PORT: port(9464, "Admin port of the gatekeeper's GET /metrics."),
  WEB_METRICS_PORT: port(9465, "Admin port of the web tier's GET /metrics."),
  IDP_METRICS_PORT: port(9466, "Admin port of the IdP's GET /metrics."),
  INVENTORY_METRICS_PORT: port(9467, "Admin port of the inventory service's GET /metrics."),
  EDGE_METRICS_PORT: port(9468, "Admin port of the edge's GET /metrics."),
  PALISADE_TRACES_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'Folder where each service appends its finished spans to <service>.jsonl.',
    }),
  ),
  PALISADE_CPU_PROFILE_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Folder where web and gatekeeper write a V8 CPU profile (node --cpu-prof) when they exit.',
    }),
  ),
});

/**
 * Tuning variables passed on unchanged to one service, so a load test can raise the web tier's
 * rate limits or change the gatekeeper's cache and pool. The service validates them itself.
 */
const sagaVariables = [
  'KAFKA_BROKERS',
  'SAGA_TOPIC_PREFIX',
  'SAGA_RETRY_MAX_ATTEMPTS',
  'SAGA_RETRY_INITIAL_DELAY_MS',
  'SAGA_RETRY_MAX_DELAY_MS',
] as const;

const tuningVariables = {
  web: [
    'WEB_RATE_LIMIT_WINDOW_SECONDS',
    'WEB_RATE_LIMIT_PER_USER',
    'WEB_RATE_LIMIT_PER_ADDRESS',
    'WEB_RATE_LIMIT_LOGIN_WINDOW_SECONDS',
    'WEB_RATE_LIMIT_LOGIN_PER_ADDRESS',
  ],
  gatekeeper: [
    // The saga transport and timings: KAFKA_BROKERS moves the sagas from the queue in
    // PostgreSQL to Kafka.
    ...sagaVariables,
    'SAGA_COMMAND_MAX_ATTEMPTS',
    'SAGA_COMPENSATION_MAX_ATTEMPTS',
    'SAGA_COMMAND_INITIAL_DELAY_MS',
    'SAGA_COMMAND_MAX_DELAY_MS',
    'GATEKEEPER_CACHE_TTL_SECONDS',
    'GATEKEEPER_HEALTH_PORT',
    'DATABASE_POOL_MAX',
    // The entry embedder, so that `palisade dev` can run with an embeddings endpoint.
    'EMBEDDER',
    'EMBEDDING_URL',
    'EMBEDDING_MODEL',
    'EMBEDDING_KEY_FILE',
    'EMBEDDING_DIMENSIONS',
    'EMBEDDING_TIMEOUT_MS',
    'EMBEDDING_MAX_INPUT_CHARS',
  ],
  inventory: sagaVariables,
} as const;

export interface DevSettings {
  readonly home: string;
  readonly host: string;
  readonly ports: {
    readonly web: number;
    readonly gatekeeper: number;
    readonly idp: number;
    readonly database: number;
    readonly edge: number;
  };
  /** Origin of the site in the browser: the edge unless WEB_PUBLIC_ORIGIN overrides it. */
  readonly publicOrigin: string;
  /** Admin ports that serve GET /metrics, one per service. */
  readonly metricsPorts: {
    readonly web: number;
    readonly gatekeeper: number;
    readonly idp: number;
    readonly inventory: number;
    readonly edge: number;
  };
  /** Set when a PostgreSQL server replaces the embedded database. */
  readonly databaseUrl: string | undefined;
  /** Set when the services share a Redis server instead of in-memory stores. */
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string | undefined;
  readonly logLevel: string;
  readonly logFormat: 'json' | 'pretty';
  readonly tracesDirectory: string | undefined;
  /** Set when web and gatekeeper run with `node --cpu-prof` into this folder. */
  readonly cpuProfileDirectory: string | undefined;
  /** Tuning variables of the supervisor passed on to one service each. */
  readonly tuning: {
    readonly web: Readonly<Record<string, string>>;
    readonly gatekeeper: Readonly<Record<string, string>>;
    readonly inventory: Readonly<Record<string, string>>;
  };
  /** OTEL_* variables of the supervisor, passed on to every service. */
  readonly openTelemetry: Readonly<Record<string, string>>;
}

/** Reads `palisade dev`'s settings; every one has a default that runs on a fresh machine. */
export function readDevSettings(env: NodeJS.ProcessEnv = process.env): DevSettings {
  const config: Static<typeof devSettingsSchema> = loadConfig(
    'palisade dev',
    devSettingsSchema,
    env,
  );
  return {
    home: developmentHome(env),
    host: '127.0.0.1',
    ports: {
      web: config.WEB_PORT,
      gatekeeper: config.GATEKEEPER_PORT,
      idp: config.IDP_PORT,
      database: config.PALISADE_DATABASE_PORT,
      edge: config.EDGE_PORT,
    },
    publicOrigin: config.WEB_PUBLIC_ORIGIN ?? `http://127.0.0.1:${config.EDGE_PORT}`,
    databaseUrl: config.DATABASE_URL,
    redisUrl: config.REDIS_URL,
    redisKeyPrefix: config.REDIS_KEY_PREFIX,
    metricsPorts: {
      web: config.WEB_METRICS_PORT,
      gatekeeper: config.GATEKEEPER_METRICS_PORT,
      idp: config.IDP_METRICS_PORT,
      inventory: config.INVENTORY_METRICS_PORT,
      edge: config.EDGE_METRICS_PORT,
    },
    logLevel: config.LOG_LEVEL,
    // Services write to a pipe, so they cannot see this terminal themselves.
    logFormat: config.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    tracesDirectory: config.PALISADE_TRACES_DIR,
    cpuProfileDirectory: config.PALISADE_CPU_PROFILE_DIR,
    tuning: {
      web: pickVariables(env, tuningVariables.web),
      gatekeeper: pickVariables(env, tuningVariables.gatekeeper),
      inventory: pickVariables(env, tuningVariables.inventory),
    },
    openTelemetry: openTelemetryVariables(env),
  };
}

/** OTEL_* variables to pass on; the supervisor names each service itself. */
function openTelemetryVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('OTEL_') && name !== 'OTEL_SERVICE_NAME' && value !== undefined) {
      variables[name] = value;
    }
  }
  return variables;
}

function pickVariables(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) variables[name] = value;
  }
  return variables;
}
