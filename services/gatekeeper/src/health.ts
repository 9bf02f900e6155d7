import { HealthImplementation } from 'grpc-health-check';
import type pg from 'pg';
import type { Logger } from 'pino';

const checkIntervalMs = 5000;

/** The standard gRPC health service, SERVING while the database answers. */
export interface DatabaseHealth {
  readonly implementation: HealthImplementation;
  /** Checks the database once and sets the status; resolves with the result. */
  check(): Promise<boolean>;
  /** Checks periodically until {@link stop}. */
  start(): void;
  stop(): void;
}

export function createHealthService(pool: pg.Pool, logger: Logger): DatabaseHealth {
  const implementation = new HealthImplementation({ '': 'NOT_SERVING' });
  let timer: NodeJS.Timeout | undefined;
  let healthy: boolean | undefined;

  const check = async (): Promise<boolean> => {
    const ok = await pool.query('SELECT 1').then(
      () => true,
      (error: unknown) => {
        if (healthy !== false) logger.warn({ err: error }, 'database health check failed');
        return false;
      },
    );
    if (ok && healthy === false) logger.info('database reachable again');
    // Watchers get a message on every setStatus, so only a change is set.
    if (ok !== healthy) implementation.setStatus('', ok ? 'SERVING' : 'NOT_SERVING');
    healthy = ok;
    return ok;
  };

  return {
    implementation,
    check,
    start() {
      timer = setInterval(() => void check(), checkIntervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      implementation.setStatus('', 'NOT_SERVING');
    },
  };
}
