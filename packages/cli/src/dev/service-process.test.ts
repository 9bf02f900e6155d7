import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { describeExit, ServiceProcess } from './service-process.js';
import { DevelopmentStack, StartupError } from './supervisor.js';

let directory: string;
const scripts = {
  exitsWithThree: 'process.exit(3);',
  killsItself: "process.kill(process.pid, 'SIGKILL');",
  waits: 'setInterval(() => {}, 1000);',
};

function scriptPath(name: keyof typeof scripts): string {
  return join(directory, `${name}.mjs`);
}

function launch(name: keyof typeof scripts): ServiceProcess {
  return new ServiceProcess({
    name,
    entryPoint: scriptPath(name),
    env: { PATH: process.env['PATH'] ?? '' },
    output: () => {},
  });
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'palisade-service-process-'));
  for (const [name, source] of Object.entries(scripts)) {
    await writeFile(join(directory, `${name}.mjs`), source);
  }
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe('ServiceProcess', () => {
  it('reports the exit code of a process that exits', async () => {
    const exit = await launch('exitsWithThree').exited;

    expect(exit).toEqual({ code: 3, signal: null });
    expect(describeExit(exit)).toBe('exited with code 3');
  });

  it('reports the signal that killed a process', async () => {
    const exit = await launch('killsItself').exited;

    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(describeExit(exit)).toBe('was killed by SIGKILL');
  });

  it('reports SIGTERM after stop', async () => {
    const service = launch('waits');
    await service.stop();

    expect(service.running).toBe(false);
    expect(await service.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

describe('DevelopmentStack', () => {
  it('names the signal when a service is killed', async () => {
    const lines: string[] = [];
    const stack = new DevelopmentStack((line) => lines.push(line));
    stack.launch('worker', scriptPath('killsItself'), {});
    const failure = await stack.exited;

    expect(failure).toBe('worker was killed by SIGKILL; stopping the stack');
    expect(lines).toContain('worker was killed by SIGKILL; stopping the stack');
  });

  it('names the exit code at start-up', async () => {
    const stack = new DevelopmentStack(() => {});
    const service = stack.launch('worker', scriptPath('exitsWithThree'), {});
    const startup = stack.failureOf(service);

    await expect(startup).rejects.toThrow(StartupError);
    await expect(startup).rejects.toThrow(
      'worker exited with code 3 while starting; see its output above',
    );
    await stack.stop();
  });
});
