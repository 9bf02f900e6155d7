import { Metadata } from '@grpc/grpc-js';

/** What one gatekeeper call carries from the HTTP request that caused it. */
export interface CallContext {
  /** The end user's access token, sent on so the gatekeeper verifies it again. */
  readonly accessToken?: string;
  readonly requestId: string;
  /** W3C Trace Context headers of the incoming request, already checked for format. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** Time by which the gatekeeper must respond, sent as the gRPC deadline. */
  readonly deadline: Date;
  /** The client's Idempotency-Key, so the gatekeeper runs the write at most once. */
  readonly idempotencyKey?: string;
}

/** Builds the gRPC metadata of a call: bearer token, request id, trace context, idempotency key. */
export function metadataOf(context: CallContext): Metadata {
  const metadata = new Metadata();
  if (context.accessToken !== undefined) {
    metadata.set('authorization', `Bearer ${context.accessToken}`);
  }
  metadata.set('x-request-id', context.requestId);
  if (context.traceparent !== undefined) metadata.set('traceparent', context.traceparent);
  if (context.tracestate !== undefined) metadata.set('tracestate', context.tracestate);
  if (context.idempotencyKey !== undefined) {
    metadata.set('idempotency-key', context.idempotencyKey);
  }
  return metadata;
}
