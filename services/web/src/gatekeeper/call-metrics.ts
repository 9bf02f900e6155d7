import {
  InterceptingCall,
  RequesterBuilder,
  status,
  type InterceptingListener,
  type Interceptor,
  type Metadata,
} from '@grpc/grpc-js';
import { databaseTimeHeader } from '@palisade/contracts';
import { internalCallBuckets } from '@palisade/telemetry';
import { Histogram, type Registry } from 'prom-client';

/**
 * Buckets, in seconds, of the hop without the database: dense below 5 ms,
 * because its target is a p99 under 2 ms.
 */
const hopBuckets = [
  0.00025, 0.0005, 0.00075, 0.001, 0.00125, 0.0015, 0.00175, 0.002, 0.0025, 0.003, 0.004, 0.005,
  0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/**
 * Creates the client interceptor that times every gatekeeper call as the web
 * tier measures it, from the start of the call to its status, into
 * `palisade_web_gatekeeper_call_duration_seconds` labelled by `method` (the
 * gRPC method path) and `code` (the status name). The blueprint budgets this
 * hop at under 20 ms, which the buckets resolve in steps of 1 to 2.5 ms.
 *
 * When the response headers carry the gatekeeper's database time, the same call less
 * that time goes to `palisade_web_gatekeeper_hop_duration_seconds`: the cost
 * of the hop itself (TLS, HTTP/2, protobuf, both event loops, the
 * gatekeeper's checks), without the database it fronts.
 */
export function gatekeeperCallMetricsInterceptor(registry: Registry): Interceptor {
  const duration = new Histogram<'method' | 'code'>({
    name: 'palisade_web_gatekeeper_call_duration_seconds',
    help: 'Time from starting a gatekeeper gRPC call to receiving its status, in seconds.',
    labelNames: ['method', 'code'],
    buckets: internalCallBuckets,
    registers: [registry],
  });
  const hop = new Histogram<'method'>({
    name: 'palisade_web_gatekeeper_hop_duration_seconds',
    help: 'Duration of a gatekeeper call less the time it waited for PostgreSQL, in seconds.',
    labelNames: ['method'],
    buckets: hopBuckets,
    registers: [registry],
  });

  return (options, nextCall) => {
    const method = options.method_definition.path;
    const startedAt = process.hrtime.bigint();
    let databaseSeconds: number | undefined;
    const requester = new RequesterBuilder()
      .withStart((metadata, listener, next) => {
        // The caller's listener, dropped once the status has passed. grpc-js keeps the listeners
        // below this one as long as the call's HTTP/2 stream, and in GC traces whatever a closed
        // stream reached outlived young-generation collections until a full one. Dropping it
        // keeps the caller's objects, up to the web request, out of that.
        let caller: InterceptingListener | undefined = listener;
        const timing: InterceptingListener = {
          onReceiveMetadata(headers: Metadata) {
            databaseSeconds = databaseSecondsOf(headers);
            caller?.onReceiveMetadata(headers);
          },
          onReceiveMessage(message: unknown) {
            caller?.onReceiveMessage(message);
          },
          onReceiveStatus(callStatus) {
            const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
            duration.observe(
              { method, code: status[callStatus.code] ?? String(callStatus.code) },
              seconds,
            );
            if (databaseSeconds !== undefined) {
              hop.observe({ method }, Math.max(0, seconds - databaseSeconds));
            }
            const receiver = caller;
            caller = undefined;
            receiver?.onReceiveStatus(callStatus);
          },
        };
        next(metadata, timing);
      })
      .build();
    return new InterceptingCall(nextCall(options), requester);
  };
}

/** Reads the gatekeeper's database time from a call's headers; undefined when missing or invalid. */
function databaseSecondsOf(headers: Metadata): number | undefined {
  const [value] = headers.get(databaseTimeHeader);
  if (typeof value !== 'string' || !/^\d{1,12}$/.test(value)) return undefined;
  return Number(value) / 1e6;
}
