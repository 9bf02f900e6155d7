import { backoffDelayMs, sleep, type BackoffPolicy } from './backoff.js';
import { deadLetterTopic, type MessageHandler, type SagaTransport } from './transport.js';

/** Receives what the retrying handler does; a pino logger fits. */
export interface RetryLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Wraps `handler` so a failure is retried with backoff up to `policy.maxAttempts` attempts; after
 * the last one the message goes to its dead-letter topic and is acknowledged, so one poisoned
 * message never blocks the others of its partition.
 */
export function retryingHandler(
  transport: SagaTransport,
  handler: MessageHandler,
  policy: BackoffPolicy,
  logger: RetryLogger,
): MessageHandler {
  return async (message) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handler(message);
        return;
      } catch (error) {
        const fields = {
          topic: message.topic,
          messageId: message.messageId,
          correlationId: message.correlationId,
          attempt,
          err: error,
        };
        if (attempt >= policy.maxAttempts) {
          logger.error(fields, 'message handling failed on every attempt; dead-lettering it');
          await transport.publish([{ ...message, topic: deadLetterTopic(message.topic) }]);
          return;
        }
        logger.warn(fields, 'message handling failed; retrying');
        await sleep(backoffDelayMs(policy, attempt));
      }
    }
  };
}
