import { pino } from 'pino';

import { startEmbeddedPostgres } from '../dev/embedded-postgres.js';

/** `palisade embedded-postgres`: serves PGlite until SIGTERM; `palisade dev` starts it. */
export async function runEmbeddedPostgres(options: {
  dataDirectory: string;
  host: string;
  port: number;
}): Promise<void> {
  const database = await startEmbeddedPostgres(options);
  const logger = pino({
    base: { service: 'database' },
    formatters: { level: (label) => ({ level: label }) },
  });
  logger.info({ host: options.host, port: options.port }, 'embedded PostgreSQL listening');

  const stop = () => {
    void database.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
