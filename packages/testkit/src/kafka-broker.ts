import { createConnection } from 'node:net';

/** The broker that Kafka tests use; PALISADE_TEST_KAFKA_BROKERS overrides it. */
export const testKafkaBrokers = (process.env['PALISADE_TEST_KAFKA_BROKERS'] ?? '127.0.0.1:9092')
  .split(',')
  .map((broker) => broker.trim());

/**
 * Tells whether the test broker accepts connections. Under CI=true an unreachable broker is an
 * error; elsewhere this prints one line naming what to start and the caller skips.
 */
export async function kafkaBrokerAvailable(): Promise<boolean> {
  const first = testKafkaBrokers[0] ?? '127.0.0.1:9092';
  const [host = '127.0.0.1', port = '9092'] = first.split(':');
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host, port: Number(port) });
    socket.setTimeout(2000, () => socket.destroy(new Error('timed out')));
    socket.once('error', () => resolve(false));
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
  });
  if (reachable) return true;
  if (process.env['CI'] === 'true') {
    throw new Error(`Kafka test broker unreachable at ${first}; CI needs scripts/kafka.sh start`);
  }
  process.stdout.write(
    `skipping Kafka tests: ${first} unreachable; run scripts/kafka.sh start or set PALISADE_TEST_KAFKA_BROKERS\n`,
  );
  return false;
}
