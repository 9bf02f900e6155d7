import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestPki } from '../src/testing/test-pki.js';

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/main.js');

interface RunningProcess {
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts the built web tier with only `env` (plus PATH), so no variable leaks in from the runner. */
function startWeb(env: Record<string, string>): RunningProcess {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -b services/web first`);

  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));

  return {
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal) => child.kill(signal),
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting for the web tier');
    await new Promise((wait) => setTimeout(wait, 25));
  }
}

let directory: string;
let files: Record<string, string>;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'palisade-web-'));
  const pki = await createTestPki();
  files = {
    GATEKEEPER_CA_FILE: join(directory, 'ca.pem'),
    WEB_TLS_CERT_FILE: join(directory, 'web.pem'),
    WEB_TLS_KEY_FILE: join(directory, 'web-key.pem'),
  };
  await writeFile(files.GATEKEEPER_CA_FILE as string, pki.ca.certificatePem);
  await writeFile(files.WEB_TLS_CERT_FILE as string, pki.web.certificatePem);
  await writeFile(files.WEB_TLS_KEY_FILE as string, pki.web.privateKeyPem, { mode: 0o600 });
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe('web start-up', () => {
  it('exits 1 listing every database variable', async () => {
    const web = startWeb({ ...files, DATABASE_URL: 'postgres://x', PGPASSWORD: 'secret' });

    expect(await web.exited).toBe(1);
    expect(web.stderr()).toMatch(/^web: invalid configuration:\n/);
    expect(web.stderr()).toContain('DATABASE_URL must not be set');
    expect(web.stderr()).toContain('PGPASSWORD must not be set');
    expect(web.stderr()).not.toContain('secret');
    expect(web.stdout()).toBe('');
  });

  it('exits 1 naming an unreadable certificate file', async () => {
    const web = startWeb({ ...files, WEB_TLS_CERT_FILE: join(directory, 'missing.pem') });

    expect(await web.exited).toBe(1);
    expect(web.stderr()).toContain('WEB_TLS_CERT_FILE=');
    expect(web.stderr()).toContain('ENOENT');
  });

  it('serves HTTP and stops with exit code 0 on SIGTERM', async () => {
    const web = startWeb({ ...files, WEB_PORT: '0', OIDC_JWKS_URI: 'http://127.0.0.1:9/jwks' });
    await waitFor(() => web.stdout().includes('"msg":"web started"'));

    const started = JSON.parse(
      web
        .stdout()
        .split('\n')
        .find((line) => line.includes('"web started"')) ?? '{}',
    ) as { address?: string; service?: string };
    expect(started.service).toBe('web');
    const response = await fetch(`${started.address ?? ''}/api/healthz`);
    expect(response.status).toBe(200);

    web.kill('SIGTERM');
    expect(await web.exited).toBe(0);
    expect(web.stdout()).toContain('"msg":"web stopped"');
  });
});
