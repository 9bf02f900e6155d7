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

import { ProfileCache } from './cache/profile-cache.js';
import { loadGatekeeperConfig } from './config.js';
import { createDatabaseCredentials } from './db/credentials/create-database-credentials.js';
import { createPool } from './db/pool.js';
import { createEmbedder } from './embeddings/embedder-config.js';
import { EntryFunctions } from './entries/entry-functions.js';
import { SearchCapabilitiesProbe } from './entries/search-capabilities.js';
import { IdempotentWrites } from './idempotency/idempotent-writes.js';
import { createGatekeeperMetrics } from './metrics/metrics-registry.js';
import { registerPoolMetrics } from './metrics/pool-metrics.js';
import { createGatekeeperServer, listen, mutualTlsCredentials } from './server.js';

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
  logger.info({ store: config.REDIS_URL === undefined ? 'memory' : 'redis' }, 'store selected');

  const embedder = createEmbedder(config, 'gatekeeper');
  const searchCapabilities = new SearchCapabilitiesProbe(pool, embedder, logger);
  const entries = new EntryFunctions(pool, embedder, searchCapabilities);

  const { server, health } = createGatekeeperServer({
    pool,
    verifier,
    policy,
    logger,
    profileCache,
    idempotentWrites,
    entries,
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

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'gatekeeper stopping');
    health.stop();
    databaseCredentials?.close();
    redisConnection?.close();
    const force = setTimeout(() => server.forceShutdown(), shutdownTimeoutMs).unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      void Promise.all([pool.end(), store.close(), metricsServer.close()]).then(async () => {
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
