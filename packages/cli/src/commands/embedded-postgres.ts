import { startEmbeddedPostgres } from '../dev/embedded-postgres.js';

/** `palisade embedded-postgres`: serves PGlite until SIGTERM; `palisade dev` starts it. */
export async function runEmbeddedPostgres(options: {
  dataDirectory: string;
  host: string;
  port: number;
}): Promise<void> {
  const database = await startEmbeddedPostgres(options);
  process.stdout.write(`embedded PostgreSQL listening on ${options.host}:${options.port}\n`);

  const stop = () => {
    void database.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
