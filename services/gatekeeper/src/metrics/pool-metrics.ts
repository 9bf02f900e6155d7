import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

/**
 * Registers gauges that read the pool's state at each scrape: its size limit,
 * open and idle connections, and the callers queued for a connection. Waiting
 * callers above zero mean the pool, not PostgreSQL, is the bottleneck.
 */
export function registerPoolMetrics(registry: Registry, pool: pg.Pool, maxConnections: number) {
  const gauges: [string, string, () => number][] = [
    [
      'palisade_gatekeeper_db_pool_max_connections',
      'Connections the pool may open.',
      () => maxConnections,
    ],
    [
      'palisade_gatekeeper_db_pool_total_connections',
      'Connections the pool holds open, idle or in use.',
      () => pool.totalCount,
    ],
    [
      'palisade_gatekeeper_db_pool_idle_connections',
      'Open connections not in use.',
      () => pool.idleCount,
    ],
    [
      'palisade_gatekeeper_db_pool_waiting_requests',
      'Callers queued for a connection because every one is in use.',
      () => pool.waitingCount,
    ],
  ];
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }
}
