import { runner } from 'node-pg-migrate';

import { migrationsDirectory } from '../paths.js';

export interface MigrateOptions {
  readonly databaseUrl: string;
  readonly directory?: string;
  /** Receives one line per applied migration. */
  readonly log?: (line: string) => void;
}

/**
 * Applies every pending migration in one transaction, under node-pg-migrate's
 * advisory lock, so two concurrent runs cannot interleave. Running it again
 * applies nothing. Returns the names of the migrations it applied.
 */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  const applied = await runner({
    databaseUrl: options.databaseUrl,
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
}
