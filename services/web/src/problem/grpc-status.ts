import { status as GrpcStatus } from '@grpc/grpc-js';

import { problemKinds, type ProblemKind } from './problem.js';

/**
 * Problem kind (and so HTTP status) of each gRPC status code. Codes not listed, including
 * INTERNAL, UNKNOWN and DATA_LOSS, become 500.
 */
const kindOfGrpcStatus: ReadonlyMap<GrpcStatus, ProblemKind> = new Map<GrpcStatus, ProblemKind>([
  [GrpcStatus.INVALID_ARGUMENT, problemKinds.validation],
  [GrpcStatus.OUT_OF_RANGE, problemKinds.validation],
  [GrpcStatus.UNAUTHENTICATED, problemKinds.unauthenticated],
  [GrpcStatus.PERMISSION_DENIED, problemKinds.forbidden],
  [GrpcStatus.NOT_FOUND, problemKinds.notFound],
  [GrpcStatus.ALREADY_EXISTS, problemKinds.conflict],
  [GrpcStatus.ABORTED, problemKinds.conflict],
  [GrpcStatus.FAILED_PRECONDITION, problemKinds.preconditionFailed],
  [GrpcStatus.RESOURCE_EXHAUSTED, problemKinds.rateLimited],
  [GrpcStatus.UNIMPLEMENTED, problemKinds.notImplemented],
  [GrpcStatus.UNAVAILABLE, problemKinds.unavailable],
  [GrpcStatus.DEADLINE_EXCEEDED, problemKinds.timeout],
]);

/** Returns the problem kind for a gRPC status code received from the gatekeeper. */
export function problemKindOfGrpcStatus(code: GrpcStatus): ProblemKind {
  return kindOfGrpcStatus.get(code) ?? problemKinds.internal;
}

/** Returns the HTTP status for a gRPC status code received from the gatekeeper. */
export function httpStatusOfGrpcStatus(code: GrpcStatus): number {
  return problemKindOfGrpcStatus(code).status;
}
