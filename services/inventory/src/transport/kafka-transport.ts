import { context } from '@opentelemetry/api';
import { Kafka, logLevel, type Admin, type Consumer, type IHeaders, type Producer } from 'kafkajs';

import {
  headerNames,
  type MessageHandler,
  type SagaMessage,
  type SagaTransport,
  type Subscription,
} from './transport.js';
import { messageContext } from './trace-context.js';

/** Interval of a consumer's heartbeats, also while a handler runs. */
const heartbeatIntervalMs = 1000;

export interface KafkaTransportOptions {
  /** Broker addresses, `host:port`. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Partitions of each topic the transport creates. */
  readonly partitions?: number;
}

/**
 * The Kafka saga transport (kafkajs). Messages are keyed by saga id, so one saga's messages share
 * a partition and keep their order. The message id, type, correlation id and `traceparent`
 * travel as headers. Offsets are committed only after the handler resolves, so a crash redelivers.
 */
export class KafkaTransport implements SagaTransport {
  readonly #kafka: Kafka;
  readonly #partitions: number;
  readonly #consumers = new Set<Consumer>();
  readonly #knownTopics = new Set<string>();
  #producer: Producer | undefined;
  #admin: Admin | undefined;

  constructor(options: KafkaTransportOptions) {
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 100 },
    });
    this.#partitions = options.partitions ?? 3;
  }

  async publish(messages: readonly SagaMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#ensureTopics(messages.map((message) => message.topic));
    const producer = await this.#connectedProducer();
    // One send per message keeps the publish order within each key's partition. Each send runs
    // in its message's trace, so the kafkajs instrumentation's producer span, and the traceparent
    // header it writes, continue the trace of the request that started the saga.
    for (const message of messages) {
      await context.with(messageContext(message.traceparent), () =>
        producer.send({
          topic: message.topic,
          acks: -1,
          messages: [
            {
              key: message.key,
              value: JSON.stringify(message.payload),
              headers: toHeaders(message),
            },
          ],
        }),
      );
    }
  }

  async subscribe(topic: string, group: string, handler: MessageHandler): Promise<Subscription> {
    await this.#ensureTopics([topic]);
    const consumer = this.#kafka.consumer({
      groupId: group,
      sessionTimeout: 6000,
      heartbeatInterval: heartbeatIntervalMs,
      // Short fetch waits keep a reply's latency and a consumer's shutdown short.
      maxWaitTimeInMs: 250,
      retry: { retries: 10, initialRetryTime: 100 },
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachMessage: async (payload) => {
        const { message } = payload;
        const delivered = fromKafka(topic, message.key, message.value, message.headers);
        if (delivered === undefined) return;
        // kafkajs sends heartbeats between messages only. A handler that retries with backoff
        // can outlast the session timeout, and the group would then drop this consumer and
        // deliver the message again, so heartbeats are also sent while the handler runs. A
        // failed one needs no handling: kafkajs rejoins the group after the handler returns.
        const heartbeats = setInterval(() => {
          payload.heartbeat().catch(() => undefined);
        }, heartbeatIntervalMs);
        try {
          await handler(delivered);
        } finally {
          clearInterval(heartbeats);
        }
      },
    });
    this.#consumers.add(consumer);
    return {
      stop: async () => {
        this.#consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#consumers].map((consumer) => consumer.disconnect()));
    this.#consumers.clear();
    await this.#producer?.disconnect();
    await this.#admin?.disconnect();
  }

  async #connectedProducer(): Promise<Producer> {
    if (this.#producer !== undefined) return this.#producer;
    const producer = this.#kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    this.#producer = producer;
    return producer;
  }

  async #ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((topic) => !this.#knownTopics.has(topic));
    if (missing.length === 0) return;
    if (this.#admin === undefined) {
      const admin = this.#kafka.admin();
      await admin.connect();
      this.#admin = admin;
    }
    await this.#admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: this.#partitions })),
    });
    for (const topic of missing) this.#knownTopics.add(topic);
  }
}

function toHeaders(message: SagaMessage): IHeaders {
  return {
    [headerNames.messageId]: message.messageId,
    [headerNames.messageType]: message.type,
    [headerNames.correlationId]: message.correlationId,
    ...(message.traceparent === undefined
      ? {}
      : { [headerNames.traceparent]: message.traceparent }),
  };
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

// A record without the saga headers was not written by a saga transport; it is skipped.
function fromKafka(
  topic: string,
  key: Buffer | null,
  value: Buffer | null,
  headers: IHeaders | undefined,
): SagaMessage | undefined {
  const messageId = headerText(headers, headerNames.messageId);
  const type = headerText(headers, headerNames.messageType);
  const correlationId = headerText(headers, headerNames.correlationId);
  if (messageId === undefined || type === undefined || correlationId === undefined)
    return undefined;
  if (key === null || value === null) return undefined;
  const traceparent = headerText(headers, headerNames.traceparent);
  return {
    messageId,
    topic,
    key: key.toString(),
    type,
    correlationId,
    ...(traceparent === undefined ? {} : { traceparent }),
    payload: JSON.parse(value.toString()) as Record<string, unknown>,
  };
}
