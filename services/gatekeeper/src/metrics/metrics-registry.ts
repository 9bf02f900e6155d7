import { Counter, Histogram, Registry } from 'prom-client';

/** The gatekeeper's Prometheus metrics, in a registry of their own that an admin port can serve. */
export interface GatekeeperMetrics {
  readonly registry: Registry;
  /** Reads served from the query cache, by business function. */
  readonly cacheHits: Counter<'function'>;
  /** Reads that went to the database, by business function. */
  readonly cacheMisses: Counter<'function'>;
  /** Audit events of reads that one statement appended together. */
  readonly auditBatchSize: Histogram;
}

/** Creates the registry and registers the gatekeeper's metrics in it. */
export function createGatekeeperMetrics(): GatekeeperMetrics {
  const registry = new Registry();
  const cacheHits = new Counter({
    name: 'palisade_gatekeeper_cache_hits_total',
    help: 'Reads served from the query cache.',
    labelNames: ['function'],
    registers: [registry],
  });
  const cacheMisses = new Counter({
    name: 'palisade_gatekeeper_cache_misses_total',
    help: 'Reads that missed the query cache and queried the database.',
    labelNames: ['function'],
    registers: [registry],
  });
  const auditBatchSize = new Histogram({
    name: 'palisade_gatekeeper_audit_batch_size',
    help: 'Audit events of reads committed together by one statement.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  return { registry, cacheHits, cacheMisses, auditBatchSize };
}
