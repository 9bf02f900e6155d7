import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';

import { httpStatusOfGrpcStatus } from './grpc-status.js';

describe('httpStatusOfGrpcStatus', () => {
  it.each([
    [GrpcStatus.INVALID_ARGUMENT, 400],
    [GrpcStatus.OUT_OF_RANGE, 400],
    [GrpcStatus.UNAUTHENTICATED, 401],
    [GrpcStatus.PERMISSION_DENIED, 403],
    [GrpcStatus.NOT_FOUND, 404],
    [GrpcStatus.ALREADY_EXISTS, 409],
    [GrpcStatus.ABORTED, 409],
    [GrpcStatus.FAILED_PRECONDITION, 422],
    [GrpcStatus.RESOURCE_EXHAUSTED, 429],
    [GrpcStatus.UNIMPLEMENTED, 501],
    [GrpcStatus.UNAVAILABLE, 503],
    [GrpcStatus.DEADLINE_EXCEEDED, 504],
    [GrpcStatus.INTERNAL, 500],
    [GrpcStatus.UNKNOWN, 500],
    [GrpcStatus.DATA_LOSS, 500],
    [GrpcStatus.CANCELLED, 500],
  ])('maps gRPC status %i to HTTP %i', (code, status) => {
    expect(httpStatusOfGrpcStatus(code)).toBe(status);
  });
});
