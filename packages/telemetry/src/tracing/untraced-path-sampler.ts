import { SpanKind, type Attributes, type Context } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-node';

/** Paths polled by probes and scrapers; a recorded span per poll would bury the real traffic. */
const untracedPaths = new Set(['/api/healthz', '/api/readyz', '/healthz', '/metrics']);

/**
 * Root sampler that records no span for incoming probe and scrape requests
 * and records every other trace. A probe request still gets a trace id, so
 * its log lines carry one like every other request's, but nothing of it is
 * exported.
 */
export class UntracedPathSampler implements Sampler {
  shouldSample(
    _context: Context,
    _traceId: string,
    _spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
  ): SamplingResult {
    // The http instrumentation sets http.target before the stable semantic
    // conventions and url.path with them.
    const target = attributes['url.path'] ?? attributes['http.target'];
    const path = typeof target === 'string' ? target.split('?')[0] : undefined;
    if (spanKind === SpanKind.SERVER && path !== undefined && untracedPaths.has(path)) {
      return { decision: SamplingDecision.NOT_RECORD };
    }
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }

  toString(): string {
    return 'UntracedPathSampler';
  }
}
