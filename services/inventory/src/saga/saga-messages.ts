/** Topic names of one deployment; tests give each run its own prefix. */
export interface SagaTopics {
  /** Commands to the inventory service (reserve, release). */
  readonly inventoryCommands: string;
  /** Replies of the inventory service to the orchestrator. */
  readonly inventoryReplies: string;
  /** Outcomes of experiment sagas, for anyone to follow. */
  readonly experimentEvents: string;
}

/** The topics under `prefix`, `palisade` by default. */
export function sagaTopics(prefix = 'palisade'): SagaTopics {
  return {
    inventoryCommands: `${prefix}.inventory.commands`,
    inventoryReplies: `${prefix}.inventory.replies`,
    experimentEvents: `${prefix}.experiments.events`,
  };
}

/** Message types the saga exchanges. */
export const messageTypes = {
  reserveItems: 'ReserveItems',
  releaseItems: 'ReleaseItems',
  itemsReserved: 'ItemsReserved',
  itemsReleased: 'ItemsReleased',
  /** The inventory could not reserve every item, so it reserved none. */
  transactionFailed: 'TransactionFailed',
  experimentConfirmed: 'ExperimentConfirmed',
  experimentRejected: 'ExperimentRejected',
  experimentFailed: 'ExperimentFailed',
} as const;

/** One line of a reservation. */
export interface ItemQuantity {
  readonly itemId: string;
  readonly quantity: number;
}
