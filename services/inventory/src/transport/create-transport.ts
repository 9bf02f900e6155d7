import type pg from 'pg';

import { KafkaTransport } from './kafka-transport.js';
import { PostgresQueueTransport } from './postgres-queue-transport.js';
import type { SagaTransport } from './transport.js';

export interface CreateSagaTransportOptions {
  /** Comma-separated `host:port` list; without it the embedded PostgreSQL queue is used. */
  readonly kafkaBrokers?: string | undefined;
  readonly clientId: string;
  /** The database of the embedded queue. */
  readonly pool: pg.Pool;
  /** Logger of each failed poll of the embedded queue, which retries on its own. */
  readonly logger?: { warn(fields: object, message: string): void };
}

/** Creates the saga transport: Kafka when brokers are configured, else the embedded queue. */
export function createSagaTransport(options: CreateSagaTransportOptions): SagaTransport {
  const brokers = (options.kafkaBrokers ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  if (brokers.length === 0) {
    const { logger } = options;
    return new PostgresQueueTransport(
      options.pool,
      logger === undefined
        ? {}
        : {
            onError: (error, topic, group) =>
              logger.warn({ err: error, topic, group }, 'saga queue poll failed; retrying'),
          },
    );
  }
  return new KafkaTransport({ brokers, clientId: options.clientId });
}
