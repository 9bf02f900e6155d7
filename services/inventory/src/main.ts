import { ConfigError } from '@palisade/config';
import { createRedisConnection } from '@palisade/credentials';
import { createStore } from '@palisade/store';
import {
  createLogger,
  createMetricsRegistry,
  shutdownTelemetry,
  startMetricsServer,
} from '@palisade/telemetry';
import pg from 'pg';

import { loadInventoryConfig } from './config.js';
import { databasePoolConfig, databaseReadiness, readinessPoolConfig } from './database-pool.js';
import { InventoryParticipant } from './inventory/inventory-participant.js';
import { OutboxRelay } from './outbox/outbox.js';
import { sagaTopics } from './saga/saga-messages.js';
import { createSagaTransport } from './transport/create-transport.js';

async function main(): Promise<void> {
  const config = loadInventoryConfig(process.env);
  const logger = createLogger({
    service: 'inventory',
    level: config.LOG_LEVEL,
    ...(config.LOG_FORMAT === undefined ? {} : { format: config.LOG_FORMAT }),
  });
  const pool = new pg.Pool({
    ...databasePoolConfig(
      config.DATABASE_URL,
      config.DATABASE_PASSWORD_FILE,
      config.DATABASE_TLS_CA_FILE,
    ),
    max: config.DATABASE_POOL_MAX,
    application_name: 'palisade-inventory',
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  const readinessPool = new pg.Pool({
    ...databasePoolConfig(
      config.DATABASE_URL,
      config.DATABASE_PASSWORD_FILE,
      config.DATABASE_TLS_CA_FILE,
    ),
    ...readinessPoolConfig(1000),
  });
  readinessPool.on('error', (error) =>
    logger.warn({ err: error }, 'idle readiness connection failed'),
  );
  // Redis when REDIS_URL is set, with ElastiCache IAM tokens under REDIS_AUTH=elasticache-iam.
  const redisConnection = await createRedisConnection(config, logger);
  const store = await createStore({
    redisUrl: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    logger,
    ...(redisConnection === undefined ? {} : { connection: redisConnection }),
  });
  const transport = createSagaTransport({
    kafkaBrokers: config.KAFKA_BROKERS,
    clientId: 'palisade-inventory',
    pool,
    logger,
  });
  const participant = new InventoryParticipant({
    pool,
    transport,
    store,
    topics: sagaTopics(config.SAGA_TOPIC_PREFIX),
    retry: {
      maxAttempts: config.SAGA_RETRY_MAX_ATTEMPTS,
      initialDelayMs: config.SAGA_RETRY_INITIAL_DELAY_MS,
      maxDelayMs: config.SAGA_RETRY_MAX_DELAY_MS,
    },
    logger,
  });
  const relay = new OutboxRelay(pool, 'inventory.outbox', transport, {
    onError: (error) => logger.warn({ err: error }, 'outbox relay failed; retrying'),
  });
  await participant.start();
  relay.start();
  const metricsServer = await startMetricsServer({
    registries: [createMetricsRegistry()],
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
    logger,
    readiness: databaseReadiness(readinessPool, (error) =>
      logger.warn({ err: error }, 'readiness check found the database unreachable'),
    ),
    // Below the probe's 2 s timeout, so the probe reads the 503 and its reason.
    readinessTimeoutMs: 1500,
  });
  logger.info(
    { transport: config.KAFKA_BROKERS === undefined ? 'postgres-queue' : 'kafka' },
    'inventory service started',
  );

  const shutdown = async (): Promise<void> => {
    await participant.stop();
    await relay.stop();
    await transport.close();
    await store.close();
    redisConnection?.close();
    await pool.end();
    await readinessPool.end();
    await metricsServer.close();
    await shutdownTelemetry();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      shutdown().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'inventory service did not stop cleanly');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`inventory service failed to start: ${String(error)}\n`);
  process.exit(1);
});
