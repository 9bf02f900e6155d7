import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { AuthorizationPolicy } from '@palisade/identity';
import { internalCallBuckets } from '@palisade/telemetry';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

type CallLabel = 'method' | 'code';

/** Label of calls to a method that the policy does not name. */
export const unknownMethodLabel = 'unknown';

/**
 * Creates the server interceptor that measures every call: rate and status
 * (`palisade_gatekeeper_grpc_requests_total`), duration
 * (`palisade_gatekeeper_grpc_request_duration_seconds`) and the calls in
 * progress (`palisade_gatekeeper_grpc_in_flight_calls`), the load signal an
 * autoscaler should follow because a gatekeeper waiting on PostgreSQL is busy
 * without using CPU.
 *
 * It must be the first interceptor of the server, so that it also sees the
 * statuses that later interceptors send, such as a policy denial.
 */
export function grpcServerMetricsInterceptor(
  registry: Registry,
  policy: AuthorizationPolicy,
): ServerInterceptor {
  const labelNames: CallLabel[] = ['method', 'code'];
  const requests = new Counter<CallLabel>({
    name: 'palisade_gatekeeper_grpc_requests_total',
    help: 'gRPC calls finished, by method and status code.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram<CallLabel>({
    name: 'palisade_gatekeeper_grpc_request_duration_seconds',
    help: 'Time from receiving a gRPC call to sending its status, in seconds.',
    labelNames,
    buckets: internalCallBuckets,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'palisade_gatekeeper_grpc_in_flight_calls',
    help: 'gRPC calls received and not yet finished.',
    registers: [registry],
  });

  return (methodDescriptor, call) => {
    const method = methodLabelOf(policy, methodDescriptor.path);
    const startedAt = process.hrtime.bigint();
    let finished = false;
    inFlight.inc();

    const finish = (code: status) => {
      if (finished) return;
      finished = true;
      inFlight.dec();
      const labels = { method, code: status[code] ?? String(code) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - startedAt) / 1e9);
    };

    const listener = new ServerListenerBuilder()
      .withOnCancel(() => finish(status.CANCELLED))
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((callStatus, next) => {
        finish(callStatus.code);
        next(callStatus);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}

/**
 * Returns the method path when the policy names it (exactly or through its
 * service), else {@link unknownMethodLabel}, so that a client calling made-up
 * method names cannot create new series.
 */
export function methodLabelOf(policy: AuthorizationPolicy, path: string): string {
  const service = path.slice(0, path.lastIndexOf('/') + 1);
  const named = policy.rules.some((rule) => rule.method === path || rule.method === `${service}*`);
  return named && service !== '' ? path : unknownMethodLabel;
}
