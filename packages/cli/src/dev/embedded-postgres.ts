import { mkdir } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';

import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';

import { lockDataDirectory } from './data-directory-lock.js';
import { ProtocolExchangeQueue } from './protocol-exchange-queue.js';

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
 * as against a server. PGlite has one backend, which the connections take in
 * turns, one whole protocol exchange or transaction at a time. Code that waits
 * on a second connection while its own transaction is open therefore
 * deadlocks.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  await mkdir(options.dataDirectory, { recursive: true, mode: 0o700 });
  const unlock = await lockDataDirectory(options.dataDirectory);
  const db = await PGlite.create({ dataDir: options.dataDirectory, extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');

  const queue = new ProtocolExchangeQueue(db);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const handler = new PGLiteSocketHandler({
      queryQueue: queue as unknown as PGLiteSocketHandlerOptions['queryQueue'],
      closeOnDetach: true,
    });
    handler.addEventListener('error', () => void handler.detach(true));
    void handler.attach(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    url: `postgres://postgres@${options.host}:${options.port}/postgres`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await db.close();
      await unlock();
    },
  };
}
