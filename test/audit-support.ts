import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { findFreePort, startEmbeddedPostgres } from '@palisade/cli';
import { createScratchDatabase, testServerAvailable } from '@palisade/testkit';
import { pino, type LoggerOptions } from 'pino';

/** An empty database for the audit tests, on the embedded server or the test server. */
export interface AuditTestDatabase {
  readonly url: string;
  /** Pool size: PGlite has one backend, so its pool has one connection. */
  readonly poolMax: number;
  stop(): Promise<void>;
}

/** Kinds of database to run the audit tests on: the test server too when it is reachable. */
export const auditTestDatabaseKinds = (await testServerAvailable())
  ? ['embedded', 'server']
  : ['embedded'];

/** Opens an empty scratch database on the test server, or an embedded one in a temporary folder. */
export async function openAuditTestDatabase(kind: string): Promise<AuditTestDatabase> {
  if (kind === 'server') {
    const scratch = await createScratchDatabase();
    return { url: scratch.url, poolMax: 10, stop: () => scratch.drop() };
  }
  const directory = await mkdtemp(join(tmpdir(), 'palisade-audit-'));
  const port = await findFreePort();
  const embedded = await startEmbeddedPostgres({
    dataDirectory: join(directory, 'pgdata'),
    host: '127.0.0.1',
    port,
  });
  return {
    url: embedded.url,
    poolMax: 1,
    async stop() {
      await embedded.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Creates a pino logger that collects the JSON lines it writes, parsed, in `lines`. */
export function collectingLogger(options: LoggerOptions = {}) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino(options, stream), lines };
}
