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
}

/** Builds the gRPC metadata of a call: bearer token, request id and trace context. */
export function metadataOf(context: CallContext): Metadata {
  const metadata = new Metadata();
  if (context.accessToken !== undefined) {
    metadata.set('authorization', `Bearer ${context.accessToken}`);
  }
  metadata.set('x-request-id', context.requestId);
  if (context.traceparent !== undefined) metadata.set('traceparent', context.traceparent);
  if (context.tracestate !== undefined) metadata.set('tracestate', context.tracestate);
  return metadata;
}
