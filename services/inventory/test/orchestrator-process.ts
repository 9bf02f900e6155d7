/**
 * Source of an orchestrator run in a process of its own (`node --input-type=module --eval`), so a
 * test can kill it with SIGKILL mid-saga. It reads TEST_DATABASE_URL, TEST_TRANSPORT (kafka or
 * postgres) and TEST_TOPIC_PREFIX, and prints `ready` once it consumes replies.
 */
export const orchestratorProcessSource = `
import {
  ExperimentSaga,
  KafkaTransport,
  PostgresQueueTransport,
  sagaTopics,
} from '@palisade/inventory';
import { MemoryStore } from '@palisade/store';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 4 });
const transport =
  process.env.TEST_TRANSPORT === 'kafka'
    ? new KafkaTransport({
        brokers: (process.env.PALISADE_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
        clientId: 'orchestrator-child',
      })
    : new PostgresQueueTransport(pool, { pollIntervalMs: 20 });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const saga = new ExperimentSaga({
  pool,
  transport,
  store: new MemoryStore(),
  topics: sagaTopics(process.env.TEST_TOPIC_PREFIX),
  // Slow enough that the saga is still in flight when the test kills this process.
  commandRetry: { maxAttempts: 50, initialDelayMs: 200, maxDelayMs: 400 },
  replyRetry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 100 },
  tickIntervalMs: 50,
  logger: quiet,
});
await saga.start();
process.stdout.write('ready\\n');
`;
