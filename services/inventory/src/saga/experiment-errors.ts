/** A create-experiment request that breaks a rule; `field` names the offending input. */
export class InvalidExperimentError extends Error {
  readonly code = 'INVALID_EXPERIMENT';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidExperimentError';
  }
}
