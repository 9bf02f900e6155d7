import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Built entry point of the IdP; tests run the same file as `npm start`. */
export const IDP_MAIN = resolve(fileURLToPath(new URL('.', import.meta.url)), '../dist/main.js');

/** A running IdP process started by a test. */
export interface IdpProcess {
  readonly url: string;
  readonly directory: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /**
   * Resolves with stdout once no output has arrived for 300 ms. The logger writes buffered lines
   * at least every 100 ms, so lines of a completed request are in it by then.
   */
  settledStdout(): Promise<string>;
  /** Sends SIGTERM, waits for the exit and removes the temporary directory. */
  stop(): Promise<number | null>;
}

/** Finds a free TCP port on 127.0.0.1 by binding port 0 and releasing it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) throw new Error('no port assigned');
  return address.port;
}

/**
 * Starts the built IdP in development mode on a free port with a JWKS file in
 * a fresh temporary directory, and waits until it logs that it started.
 * `env` entries are added to (or, when undefined, removed from) its environment.
 */
export async function startIdp(env: Record<string, string | undefined> = {}): Promise<IdpProcess> {
  const directory = await mkdtemp(join(tmpdir(), 'palisade-idp-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const child = spawn(process.execPath, [IDP_MAIN], {
    env: processEnv({
      IDP_MODE: 'development',
      IDP_PORT: String(port),
      IDP_ISSUER: url,
      IDP_JWKS_FILE: join(directory, 'jwks.json'),
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  await new Promise<void>((resolveStarted, reject) => {
    const onData = () => {
      if (stdout.includes('"msg":"idp started"')) {
        child.stdout.off('data', onData);
        resolveStarted();
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`idp exited with ${code}: ${stderr}`)));
  });

  return {
    url,
    directory,
    child,
    stdout: () => stdout,
    async settledStdout() {
      for (let seen = stdout.length, attempt = 0; attempt < 50; attempt += 1) {
        await new Promise((resolveWait) => setTimeout(resolveWait, 300));
        if (stdout.length === seen) break;
        seen = stdout.length;
      }
      return stdout;
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(directory, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}

/**
 * Starts the built IdP in production mode. Production mode never creates
 * signing keys, so a short development run creates them first. `stop()`
 * removes the temporary directory with the keys and secret files.
 */
export async function startProductionIdp(): Promise<IdpProcess> {
  const keyMaker = await startIdp();
  const directory = await mkdtemp(join(tmpdir(), 'palisade-idp-production-'));
  const jwks = await readFile(join(keyMaker.directory, 'jwks.json'), 'utf8');
  await keyMaker.stop();

  await writeFile(join(directory, 'jwks.json'), jwks, { mode: 0o600 });
  await writeFile(join(directory, 'client-secret'), `${'s'.repeat(40)}\n`, { mode: 0o600 });
  await writeFile(join(directory, 'cookie-keys'), `${'k'.repeat(40)}\n${'o'.repeat(40)}\n`, {
    mode: 0o600,
  });

  const idp = await startIdp({
    IDP_MODE: 'production',
    IDP_JWKS_FILE: join(directory, 'jwks.json'),
    IDP_WEB_CLIENT_SECRET_FILE: join(directory, 'client-secret'),
    IDP_COOKIE_KEYS_FILE: join(directory, 'cookie-keys'),
  });
  return {
    ...idp,
    async stop() {
      const code = await idp.stop();
      await rm(directory, { recursive: true, force: true });
      return code;
    },
  };
}

/** Result of an IdP process that was expected to exit on its own. */
export interface IdpExit {
  readonly code: number | null;
  readonly stderr: string;
}

/** Runs the built IdP with exactly `env` (plus PATH) and waits for it to exit. */
export async function runIdpUntilExit(env: Record<string, string | undefined>): Promise<IdpExit> {
  const child = spawn(process.execPath, [IDP_MAIN], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);

  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

function processEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('IDP_')) env[name] = value;
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
