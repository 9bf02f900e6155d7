import type pg from 'pg';

/**
 * A message as the saga transports carry it: the key orders messages of one saga, and the
 * headers carry the trace context and the correlation id that identifies one command and its
 * replies across retries.
 */
export interface SagaMessage {
  /** Unique per published message; a redelivery repeats it. */
  readonly messageId: string;
  readonly topic: string;
  /** Ordering key: the saga id. Messages with one key are delivered in publish order. */
  readonly key: string;
  readonly type: string;
  readonly correlationId: string;
  /** W3C trace context of the step that published the message. */
  readonly traceparent?: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

/**
 * Handles one delivered message. Resolving acknowledges it; rejecting leaves it to be
 * delivered again.
 */
export type MessageHandler = (message: SagaMessage) => Promise<void>;

/** A running subscription; `stop` resolves once no handler is running. */
export interface Subscription {
  stop(): Promise<void>;
}

/** Options of {@link SagaTransport.publish}. */
export interface PublishOptions {
  /**
   * A client inside an open transaction. A transport that stores messages in PostgreSQL writes
   * them through it, so they commit or roll back with that transaction; Kafka ignores it.
   */
  readonly client?: pg.ClientBase;
}

/**
 * The one interface both saga transports implement, with the same delivery semantics:
 * at-least-once delivery, in publish order per key, each message delivered to every consumer
 * group subscribed to its topic and to one member of each group.
 */
export interface SagaTransport {
  /** Publishes the messages in order; resolves once the transport has stored them. */
  publish(messages: readonly SagaMessage[], options?: PublishOptions): Promise<void>;
  /** Delivers every message published to `topic` after this group first subscribed. */
  subscribe(topic: string, group: string, handler: MessageHandler): Promise<Subscription>;
  close(): Promise<void>;
}

/** Header names shared by both transports. */
export const headerNames = {
  messageId: 'message-id',
  messageType: 'message-type',
  correlationId: 'correlation-id',
  traceparent: 'traceparent',
} as const;

/** Returns the name of the dead-letter topic of `topic`. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dead-letter`;
}
