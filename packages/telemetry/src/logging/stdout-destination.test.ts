import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

// The child processes load the compiled package, so these tests need `npm run build` first.
const telemetryEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
// About 500 KB of lines: more than the buffer of the socket pair that is the child's stdout.
const lineCount = 3000;

interface ChildResult {
  readonly lines: Record<string, unknown>[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs `body` in a Node.js process with `logger` (a JSON logger to stdout) in scope. The
 * process prints `ready` to stderr when `body` has logged; `afterReady` then acts on it.
 *
 * With `blockingStdout` false, the child's stdout is non-blocking, as in the services (Node.js
 * makes a pipe non-blocking once `process.stdout` is used), and the parent reads it only after
 * `afterReady`: the lines are then still buffered in the child. With it true, a full pipe
 * blocks the child, so the parent starts reading after 300 ms instead.
 */
async function runChild(
  body: string,
  afterReady: (child: ReturnType<typeof spawn>) => void,
  { blockingStdout = false } = {},
): Promise<ChildResult> {
  const script = `
    import { createLogger } from ${JSON.stringify(telemetryEntry)};
    ${blockingStdout ? '' : 'process.stdout;'}
    const logger = createLogger({ service: 'child', format: 'json' });
    const pad = 'x'.repeat(100);
    ${body}
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let acted = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (!acted && stderr.includes('ready')) {
      acted = true;
      afterReady(child);
      child.stdout.resume();
    }
  });

  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stdout.pause();
  if (blockingStdout) setTimeout(() => child.stdout.resume(), 300);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  const lines = stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, code, signal, stderr };
}

const logLines = `for (let i = 0; i < ${lineCount}; i += 1) logger.info({ i, pad }, 'line');`;

function sequenceNumbers(lines: readonly Record<string, unknown>[]): number[] {
  return lines.filter((line) => line['msg'] === 'line').map((line) => line['i'] as number);
}

describe('sharedStdoutDestination', () => {
  it('writes every line before a SIGTERM handler exits', async () => {
    const result = await runChild(
      `
      process.once('SIGTERM', () => {
        logger.info('stopping');
        process.exit(0);
      });
      ${logLines}
      process.stderr.write('ready\\n');
      setInterval(() => {}, 1000);
      `,
      (child) => child.kill('SIGTERM'),
    );

    expect(result.stderr).toBe('ready\n');
    expect(result.code).toBe(0);
    expect(sequenceNumbers(result.lines)).toEqual([...Array(lineCount).keys()]);
    expect(result.lines.at(-1)?.['msg']).toBe('stopping');
  });

  it('writes every line to a blocking pipe on SIGTERM', async () => {
    const result = await runChild(
      `
      process.once('SIGTERM', () => {
        logger.info('stopping');
        process.exit(0);
      });
      ${logLines}
      process.stderr.write('ready\\n');
      setInterval(() => {}, 1000);
      `,
      (child) => child.kill('SIGTERM'),
      { blockingStdout: true },
    );

    expect(result.code).toBe(0);
    expect(sequenceNumbers(result.lines)).toEqual([...Array(lineCount).keys()]);
    expect(result.lines.at(-1)?.['msg']).toBe('stopping');
  });

  it('writes every line on SIGTERM without a handler', async () => {
    const result = await runChild(
      `
      ${logLines}
      process.stderr.write('ready\\n');
      setInterval(() => {}, 1000);
      `,
      (child) => child.kill('SIGTERM'),
    );

    expect(result.signal).toBe('SIGTERM');
    expect(sequenceNumbers(result.lines)).toEqual([...Array(lineCount).keys()]);
  });

  it('writes every line before an uncaught exception ends the process', async () => {
    const result = await runChild(
      `
      ${logLines}
      process.stderr.write('ready\\n');
      setTimeout(() => {
        logger.error('failing');
        throw new Error('deliberate failure');
      }, 50);
      `,
      () => undefined,
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('deliberate failure');
    expect(sequenceNumbers(result.lines)).toEqual([...Array(lineCount).keys()]);
    expect(result.lines.at(-1)?.['msg']).toBe('failing');
  });

  it('writes every line before logger.flush calls back', async () => {
    const result = await runChild(
      `
      ${logLines}
      process.stderr.write('ready\\n');
      logger.flush(() => process.kill(process.pid, 'SIGKILL'));
      `,
      () => undefined,
      { blockingStdout: true },
    );

    // SIGKILL runs no handler, so every line was written before the callback.
    expect(result.signal).toBe('SIGKILL');
    expect(sequenceNumbers(result.lines)).toEqual([...Array(lineCount).keys()]);
  });

  it('writes a lone line while the process idles', async () => {
    const result = await runChild(
      `
      logger.info('alone');
      process.stderr.write('ready\\n');
      process.stdin.resume();
      setInterval(() => {}, 1000);
      `,
      (child) => {
        child.stdout?.once('data', () => child.kill('SIGKILL'));
      },
    );

    // SIGKILL runs no handler, so the line can only come from the periodic flush.
    expect(result.signal).toBe('SIGKILL');
    expect(result.lines.map((line) => line['msg'])).toEqual(['alone']);
  });
});
