import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';

import { Gauge, type Registry } from 'prom-client';

/** Name of the gauge that {@link registerLiveHeapGauge} registers. */
export const liveHeapMetric = 'palisade_heap_used_after_major_gc_bytes';

/**
 * Registers `palisade_heap_used_after_major_gc_bytes`, the V8 heap in use after the latest full
 * (mark-compact) collection, which approximates the live objects. Resident memory rises and falls
 * with short-lived garbage between full collections, so a leak shows as growth of this gauge.
 * The size is read when the collection's performance entry arrives, so it also counts what was
 * allocated since. The gauge reads 0 until the first full collection. Returns a function that
 * stops watching collections.
 */
export function registerLiveHeapGauge(registry: Registry): () => void {
  const gauge = new Gauge({
    name: liveHeapMetric,
    help: 'V8 heap in use after the latest full garbage collection, in bytes.',
    registers: [registry],
  });
  const observer = new PerformanceObserver((list) => {
    if (list.getEntries().some(isFullCollection)) gauge.set(v8.getHeapStatistics().used_heap_size);
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

function isFullCollection(entry: PerformanceEntry): boolean {
  const { detail } = entry as PerformanceEntry & { readonly detail?: { readonly kind?: number } };
  return detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
}
