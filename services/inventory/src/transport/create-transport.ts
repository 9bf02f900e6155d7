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
  /** Receives each failed poll of the embedded queue. */
  readonly onError?: (error: unknown, topic: string, group: string) => void;
}

/** Creates the saga transport: Kafka when brokers are configured, else the embedded queue. */
export function createSagaTransport(options: CreateSagaTransportOptions): SagaTransport {
  const brokers = (options.kafkaBrokers ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  if (brokers.length === 0) {
    return new PostgresQueueTransport(
      options.pool,
      options.onError === undefined ? {} : { onError: options.onError },
    );
  }
  return new KafkaTransport({ brokers, clientId: options.clientId });
}
