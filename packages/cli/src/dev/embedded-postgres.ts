import { mkdir } from 'node:fs/promises';

import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

import { lockDataDirectory } from './data-directory-lock.js';

export interface EmbeddedPostgresOptions {
  readonly dataDirectory: string;
  readonly host: string;
  readonly port: number;
}

export interface EmbeddedPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly, with pgvector) on the
 * PostgreSQL wire protocol, so the services use the same `pg` driver and SQL
 * as against a server. PGlite has one backend: pglite-socket runs one message
 * at a time and, while a connection's transaction is open, only that
 * connection's messages. Code that waits on a second connection while its
 * own transaction is open therefore deadlocks.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  await mkdir(options.dataDirectory, { recursive: true, mode: 0o700 });
  const unlock = await lockDataDirectory(options.dataDirectory);
  const db = await PGlite.create({ dataDir: options.dataDirectory, extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');

  const server = new PGLiteSocketServer({
    db,
    host: options.host,
    port: options.port,
    // The pools of the gatekeeper and the inventory service, a migration and a CLI command.
    maxConnections: 16,
  });
  await server.start();

  return {
    url: `postgres://postgres@${options.host}:${options.port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
      await unlock();
    },
  };
}
