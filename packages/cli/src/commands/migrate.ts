import { runner } from 'node-pg-migrate';
import pg from 'pg';

import { migrationsDirectory } from '../paths.js';

export interface MigrateOptions {
  readonly databaseUrl: string;
  readonly directory?: string;
  /** Receives one line per applied migration. */
  readonly log?: (line: string) => void;
  /**
   * Receives each WARNING a migration raises, such as a missing optional
   * extension that leaves a feature in a reduced mode.
   */
  readonly warn?: (message: string) => void;
}

/**
 * Applies every pending migration in one transaction, under node-pg-migrate's
 * advisory lock, so two concurrent runs cannot interleave. Running it again
 * applies nothing. Returns the names of the migrations it applied.
 */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  // A client of our own, because the runner's own client drops server notices.
  const client = new pg.Client({ connectionString: options.databaseUrl });
  client.on('notice', (notice) => {
    if (notice.severity !== 'WARNING') return;
    const hint = notice.hint === undefined ? '' : ` (${notice.hint})`;
    options.warn?.(`${notice.message}${hint}`);
  });
  await client.connect();

  try {
    const applied = await runner({
      dbClient: client,
      dir: options.directory ?? migrationsDirectory,
      direction: 'up',
      migrationsTable: 'schema_migrations',
      migrationsSchema: 'public',
      checkOrder: true,
      singleTransaction: true,
      log: () => undefined,
    });
    for (const migration of applied) options.log?.(`applied ${migration.name}`);
    return applied.map((migration) => migration.name);
  } finally {
    await client.end();
  }
}
