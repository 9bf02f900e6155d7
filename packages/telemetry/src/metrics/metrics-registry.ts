import { collectDefaultMetrics, Registry } from 'prom-client';

import { registerLiveHeapGauge } from './live-heap.js';

/**
 * Creates a service's metrics registry with prom-client's default metrics:
 * process CPU and memory, open handles, garbage collection and event-loop
 * lag (`nodejs_eventloop_lag_seconds`), and with the heap in use after the latest full
 * collection (`palisade_heap_used_after_major_gc_bytes`). Services and the modules they compose
 * register their own metrics in the same registry, so one /metrics response
 * contains all of them.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  registerLiveHeapGauge(registry);
  return registry;
}
