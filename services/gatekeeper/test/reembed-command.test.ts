import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { testServerAvailable } from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runReembed } from '../../../packages/cli/dist/commands/reembed.js';
import { startEmbeddingsServer, type EmbeddingsServer } from './embeddings-server.js';
import { offersVector, openTestDatabase, type TestDatabase } from './entry-database.js';
import { callerContext, createRequest, entryFunctions } from './entry-fixtures.js';

const cli = join(import.meta.dirname, '../../../packages/cli/dist/main.js');
const serverInTextMode = (await testServerAvailable()) && !(await offersVector('server'));

interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `palisade reembed` as its own process with only the given environment. */
function reembedProcess(env: Record<string, string>, args: string[] = []): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, 'reembed', ...args],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error !== null) code = typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the command's function in this process, which is quicker than a process per case. */
async function reembed(env: Record<string, string>, args: string[] = []): Promise<CommandResult> {
  const out: string[] = [];
  const errors: string[] = [];
  const code = await runReembed(args, env, {
    out: (line) => out.push(line),
    error: (line) => errors.push(line),
  });
  return { code, stdout: out.join('\n'), stderr: errors.join('\n') };
}

describe('palisade reembed', () => {
  let database: TestDatabase;
  let server: EmbeddingsServer;
  let directory: string;
  let httpSettings: Record<string, string>;

  beforeAll(async () => {
    database = await openTestDatabase('embedded');
    server = await startEmbeddingsServer(384);
    server.key = 'secret-key';
    directory = await mkdtemp(join(tmpdir(), 'palisade-reembed-'));
    await writeFile(join(directory, 'key'), 'secret-key\n');
    httpSettings = {
      DATABASE_URL: database.url,
      EMBEDDER: 'http',
      EMBEDDING_URL: server.url,
      EMBEDDING_MODEL: 'test-model',
      EMBEDDING_DIMENSIONS: '384',
      EMBEDDING_KEY_FILE: join(directory, 'key'),
    };

    const entries = entryFunctions(database.pool);
    const owner = callerContext('meitner');
    for (const title of ['Fission notes', 'Isotope table', 'Beta decay']) {
      await entries.createEntry(owner, createRequest({ title }));
    }
    // The command opens its own connection; the embedded database serves one at a time.
    await database.pool.end();
  });

  afterAll(async () => {
    await server?.close();
    await database?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('re-embeds entries with the configured embedder', async () => {
    const result = await reembedProcess(httpSettings);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('re-embedding entries with http:test-model:384');
    expect(result.stdout).toContain('done: 3 entries re-embedded, 0 changed meanwhile');
    expect(server.requests.every((r) => r.authorization === 'Bearer secret-key')).toBe(true);
  });

  it('does nothing on a second run', async () => {
    const result = await reembed(httpSettings);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('done: 0 entries re-embedded');
  });

  it('re-embeds every entry with --all', async () => {
    const result = await reembed(httpSettings, ['--all', '--batch-size', '2']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('done: 3 entries re-embedded');
  });

  it('lists missing HTTP settings', async () => {
    const result = await reembed({ DATABASE_URL: database.url, EMBEDDER: 'http' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('EMBEDDING_URL is missing');
    expect(result.stderr).toContain('EMBEDDING_MODEL is missing');
  });

  it('rejects an invalid batch size', async () => {
    const result = await reembed(httpSettings, ['--batch-size', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--batch-size must be an integer from 1 to 1000');
  });

  it('reports an embedder that fails', async () => {
    const result = await reembed({
      ...httpSettings,
      EMBEDDING_MODEL: 'other',
      EMBEDDING_KEY_FILE: join(directory, 'missing'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot read EMBEDDING_KEY_FILE');
  });

  describe.runIf(serverInTextMode)('on a server without pgvector', () => {
    let textDatabase: TestDatabase;

    beforeAll(async () => {
      textDatabase = await openTestDatabase('server');
    });

    afterAll(async () => {
      await textDatabase?.close();
    });

    it('says that there is no embedding column', async () => {
      const result = await reembedProcess({ DATABASE_URL: textDatabase.url });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('app.entries has no embedding column');
    });
  });
});
