import type { ExperimentServiceServer } from '@palisade/contracts';

import { unaryHandler, type HandlerDependencies } from '../grpc/unary-handler.js';
import type { ExperimentFunctions } from './experiment-functions.js';

/** Binds the experiment business functions to the ExperimentService gRPC methods. */
export function createExperimentService(
  experiments: ExperimentFunctions,
  dependencies: HandlerDependencies,
): ExperimentServiceServer {
  return {
    createExperiment: unaryHandler(dependencies, (context, request) =>
      experiments.createExperiment(context, request),
    ),
    getExperiment: unaryHandler(dependencies, (context, request) =>
      experiments.getExperiment(context, request.id),
    ),
    listInventoryItems: unaryHandler(dependencies, () => experiments.listInventoryItems()),
  };
}
