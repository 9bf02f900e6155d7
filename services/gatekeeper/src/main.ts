import { ConfigError } from '@palisade/config';
import { createRedisConnection } from '@palisade/credentials';
import { AccessTokenVerifier, loadAuthorizationPolicy } from '@palisade/identity';
import { createStore, IdempotencyReservations } from '@palisade/store';
import {
  createLogger,
  createMetricsRegistry,
  shutdownTelemetry,
  startMetricsServer,
} from '@palisade/telemetry';

import { createSagaTransport, ExperimentSaga, OutboxRelay, sagaTopics } from '@palisade/inventory';

import { AuditBatchWriter } from './audit/audit-batch-writer.js';
import { ProfileCache } from './cache/profile-cache.js';
import { loadGatekeeperConfig } from './config.js';
import { createDatabaseCredentials } from './db/credentials/create-database-credentials.js';
import { createPool } from './db/pool.js';
import { createEmbedder } from './embeddings/embedder-config.js';
import { EntryFunctions } from './entries/entry-functions.js';
import { ExperimentFunctions } from './experiments/experiment-functions.js';
import { activeTraceparent } from './experiments/trace-context.js';
import { SearchCapabilitiesProbe } from './entries/search-capabilities.js';
import { IdempotentWrites } from './idempotency/idempotent-writes.js';
import { createGatekeeperMetrics } from './metrics/metrics-registry.js';
import { registerPoolMetrics } from './metrics/pool-metrics.js';
import { startPlaintextHealthServer } from './plaintext-health-server.js';
import { createGatekeeperServer, listen, mutualTlsCredentials } from './server.js';
import { UserIdCache } from './users/user-id-cache.js';

const shutdownTimeoutMs = 5000;

async function main(): Promise<void> {
  const config = loadGatekeeperConfig();
  const logger = createLogger({
    service: 'gatekeeper',
    level: config.LOG_LEVEL,
    ...(config.LOG_FORMAT === undefined ? {} : { format: config.LOG_FORMAT }),
  });
  const metricsRegistry = createMetricsRegistry();

  const policy = await loadAuthorizationPolicy(config.GATEKEEPER_POLICY_FILE);
  const verifier = new AccessTokenVerifier({
    issuer: config.OIDC_ISSUER,
    audience: config.OIDC_AUDIENCE,
    ...(config.OIDC_JWKS_URI === undefined ? {} : { jwksUri: config.OIDC_JWKS_URI }),
    algorithms: config.OIDC_ALGORITHMS.split(','),
    clockToleranceSeconds: config.OIDC_CLOCK_TOLERANCE_SECONDS,
  });
  const databaseCredentials = await createDatabaseCredentials(config, logger);
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    credentials: databaseCredentials,
    tlsCaFile: config.DATABASE_TLS_CA_FILE,
    maxLifetimeSeconds: config.DATABASE_POOL_MAX_LIFETIME_SECONDS,
    max: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    logger,
  });
  logger.info({ credentials: config.DATABASE_CREDENTIALS }, 'database credentials selected');
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  registerPoolMetrics(metricsRegistry, pool, config.DATABASE_POOL_MAX);

  // Redis when REDIS_URL is set, else an in-memory store private to this process.
  const redisConnection = await createRedisConnection(config, logger);
  const store = await createStore({
    redisUrl: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    logger,
    ...(redisConnection === undefined ? {} : { connection: redisConnection }),
  });
  const metrics = createGatekeeperMetrics();
  const profileCache = new ProfileCache(store, {
    ttlMs: config.GATEKEEPER_CACHE_TTL_SECONDS * 1000,
    metrics,
    logger,
  });
  const idempotentWrites = new IdempotentWrites(pool, new IdempotencyReservations(store));
  // Same lifetime as the profile cache, so that a TTL of 0 sends every read to the database.
  const userIds = new UserIdCache({ ttlMs: config.GATEKEEPER_CACHE_TTL_SECONDS * 1000 });
  const auditBatches = new AuditBatchWriter(pool, {
    // The server cancels a statement at its timeout; this also ends a batch the server never got.
    queryTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS + 1000,
    onBatchCommitted: (size) => metrics.auditBatchSize.observe(size),
  });
  logger.info({ store: config.REDIS_URL === undefined ? 'memory' : 'redis' }, 'store selected');

  const embedder = createEmbedder(config, 'gatekeeper');
  const searchCapabilities = new SearchCapabilitiesProbe(pool, embedder, logger);
  const entries = new EntryFunctions(pool, embedder, searchCapabilities);

  // The gatekeeper orchestrates experiment sagas: Kafka when KAFKA_BROKERS is set, else the
  // queue in PostgreSQL.
  const sagaTransport = createSagaTransport({
    kafkaBrokers: config.KAFKA_BROKERS,
    clientId: 'palisade-gatekeeper',
    pool,
    logger,
  });
  const saga = new ExperimentSaga({
    pool,
    transport: sagaTransport,
    store,
    topics: sagaTopics(config.SAGA_TOPIC_PREFIX),
    commandRetry: {
      maxAttempts: config.SAGA_COMMAND_MAX_ATTEMPTS,
      initialDelayMs: config.SAGA_COMMAND_INITIAL_DELAY_MS,
      maxDelayMs: config.SAGA_COMMAND_MAX_DELAY_MS,
    },
    compensationRetry: {
      maxAttempts: config.SAGA_COMPENSATION_MAX_ATTEMPTS,
      initialDelayMs: config.SAGA_COMMAND_INITIAL_DELAY_MS,
      maxDelayMs: config.SAGA_COMMAND_MAX_DELAY_MS,
    },
    replyRetry: {
      maxAttempts: config.SAGA_RETRY_MAX_ATTEMPTS,
      initialDelayMs: config.SAGA_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: config.SAGA_RETRY_MAX_DELAY_MS,
    },
    logger,
    registry: metricsRegistry,
  });
  const outboxRelay = new OutboxRelay(pool, 'app.outbox', sagaTransport, {
    onError: (error) => logger.warn({ err: error }, 'outbox relay failed; retrying'),
  });
  const experiments = new ExperimentFunctions(pool, saga, idempotentWrites, activeTraceparent);

  const { server, health } = createGatekeeperServer({
    pool,
    verifier,
    policy,
    logger,
    profileCache,
    idempotentWrites,
    auditBatches,
    userIds,
    entries,
    experiments,
    metricsRegistry,
  });
  const credentials = await mutualTlsCredentials(
    {
      caFile: config.GATEKEEPER_CA_FILE,
      certFile: config.GATEKEEPER_TLS_CERT_FILE,
      keyFile: config.GATEKEEPER_TLS_KEY_FILE,
    },
    logger,
  );
  const port = await listen(
    server,
    `${config.GATEKEEPER_HOST}:${config.GATEKEEPER_PORT}`,
    credentials,
  );

  await health.check();
  health.start();
  // Resumes every saga left in flight by an earlier run.
  await saga.start();
  outboxRelay.start();
  logger.info(
    { transport: config.KAFKA_BROKERS === undefined ? 'postgres-queue' : 'kafka' },
    'saga orchestrator started',
  );
  const healthServer =
    config.GATEKEEPER_HEALTH_PORT === undefined
      ? undefined
      : await startPlaintextHealthServer({
          health: health.implementation,
          host: config.GATEKEEPER_HOST,
          port: config.GATEKEEPER_HEALTH_PORT,
          logger,
        });
  const metricsServer = await startMetricsServer({
    registries: [metricsRegistry, metrics.registry],
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
    logger,
  });
  // Logs the search mode once; a database that is down now is asked again on first use.
  await searchCapabilities.current().catch((error: unknown) => {
    logger.warn({ err: error }, 'entry search mode not detected; retrying on first use');
  });
  logger.info(
    { host: config.GATEKEEPER_HOST, port, pool_max: config.DATABASE_POOL_MAX },
    'gatekeeper listening',
  );

  const stopSagas = async () => {
    await saga.stop();
    await outboxRelay.stop();
    await sagaTransport.close();
  };
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'gatekeeper stopping');
    health.stop();
    void healthServer?.stop();
    databaseCredentials?.close();
    redisConnection?.close();
    const force = setTimeout(() => server.forceShutdown(), shutdownTimeoutMs).unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      void stopSagas()
        .then(() => Promise.all([pool.end(), store.close(), metricsServer.close()]))
        .then(async () => {
          await shutdownTelemetry();
          logger.info('gatekeeper stopped');
          process.exit(0);
        });
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `gatekeeper: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  process.exit(1);
});
