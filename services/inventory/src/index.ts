/**
 * Experiment sagas between the gatekeeper (orchestrator) and the inventory service
 * (participant): the transport interface with its Kafka and PostgreSQL-queue implementations,
 * the transactional outbox and its relay, and both sides of the saga.
 */
export {
  InventoryParticipant,
  INVENTORY_GROUP,
  UnknownCommandError,
} from './inventory/inventory-participant.js';
export type { InventoryParticipantOptions } from './inventory/inventory-participant.js';
export {
  OutboxRelay,
  writeOutbox,
  type OutboxRelayOptions,
  type OutboxTable,
} from './outbox/outbox.js';
export { sagaCommandSettings, sagaTransportSettings } from './saga-settings.js';
export { InvalidExperimentError } from './saga/experiment-errors.js';
export {
  detachOwnerExperiments,
  ExperimentSaga,
  newTraceparent,
  ORCHESTRATOR_GROUP,
  ownerDeletedReason,
  type ExperimentSagaOptions,
  type ExperimentState,
  type ExperimentView,
  type InventoryItemView,
  type Queryable,
  type SagaStepView,
  type StartOptions,
} from './saga/experiment-saga.js';
export { validateNewExperiment, type NewExperiment } from './saga/experiment-validation.js';
export {
  messageTypes,
  sagaTopics,
  type ItemQuantity,
  type SagaTopics,
} from './saga/saga-messages.js';
export { backoffDelayMs, type BackoffPolicy } from './transport/backoff.js';
export {
  createSagaTransport,
  type CreateSagaTransportOptions,
} from './transport/create-transport.js';
export { KafkaTransport, type KafkaTransportOptions } from './transport/kafka-transport.js';
export {
  PostgresQueueTransport,
  type PostgresQueueTransportOptions,
} from './transport/postgres-queue-transport.js';
export { retryingHandler, type RetryLogger } from './transport/retrying-handler.js';
export {
  deadLetterTopic,
  headerNames,
  type MessageHandler,
  type PublishOptions,
  type SagaMessage,
  type SagaTransport,
  type Subscription,
} from './transport/transport.js';
