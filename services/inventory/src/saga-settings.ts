import { Type } from 'typebox';

/** Settings of the saga transport, the same in every process that takes part in sagas. */
export const sagaTransportSettings = {
  KAFKA_BROKERS: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Comma-separated Kafka brokers (host:port). Without it the saga messages travel through ' +
        'the PostgreSQL queue in the messaging schema.',
    }),
  ),
  SAGA_TOPIC_PREFIX: Type.String({
    default: 'palisade',
    pattern: '^[a-zA-Z0-9._-]{1,100}$',
    description: 'Prefix of the saga topic names; every process of one deployment uses the same.',
  }),
  SAGA_RETRY_MAX_ATTEMPTS: Type.Integer({
    default: 5,
    minimum: 1,
    maximum: 50,
    description: 'Attempts at handling one message before it goes to the dead-letter topic.',
  }),
  SAGA_RETRY_INITIAL_DELAY_MS: Type.Integer({
    default: 200,
    minimum: 1,
    description:
      'Delay before the first retry, in milliseconds. Each later retry doubles it, with jitter.',
  }),
  SAGA_RETRY_MAX_DELAY_MS: Type.Integer({
    default: 5000,
    minimum: 1,
    description: 'Maximum delay between two retries, in milliseconds.',
  }),
};

/** Settings of the orchestrator's commands: how often and how long it waits for each reply. */
export const sagaCommandSettings = {
  SAGA_COMMAND_MAX_ATTEMPTS: Type.Integer({
    default: 5,
    minimum: 1,
    maximum: 50,
    description:
      'Sends of one saga command without a reply before it goes to the dead-letter topic and ' +
      'the saga is compensated.',
  }),
  SAGA_COMPENSATION_MAX_ATTEMPTS: Type.Integer({
    default: 12,
    minimum: 1,
    maximum: 100,
    description:
      'Sends of a compensating command without a reply before the saga ends FAILED for an ' +
      'operator. More than SAGA_COMMAND_MAX_ATTEMPTS, so a short outage ends in compensation.',
  }),
  SAGA_COMMAND_INITIAL_DELAY_MS: Type.Integer({
    default: 2000,
    minimum: 10,
    description:
      'Wait for a reply before the first resend, in milliseconds. Each later wait doubles, with ' +
      'jitter.',
  }),
  SAGA_COMMAND_MAX_DELAY_MS: Type.Integer({
    default: 15_000,
    minimum: 10,
    description: 'Maximum wait for a reply before a resend, in milliseconds.',
  }),
};
