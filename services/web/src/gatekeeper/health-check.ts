import { service as healthService } from 'grpc-health-check';

/** Serving status of the standard gRPC health service (grpc.health.v1). */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthCheckMethod {
  readonly path: string;
  readonly requestSerialize: (request: { service: string }) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => { status?: string };
}

function findCheckMethod(): HealthCheckMethod {
  const method = healthService.Check;
  if (method === undefined) {
    throw new Error('grpc-health-check does not define grpc.health.v1.Health/Check');
  }
  return method;
}

/**
 * Definition of `/grpc.health.v1.Health/Check`, loaded by grpc-health-check from the standard
 * health.proto with enums as strings.
 */
export const healthCheckMethod = findCheckMethod();
