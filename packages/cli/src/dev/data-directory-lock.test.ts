import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DataDirectoryInUseError, lockDataDirectory } from './data-directory-lock.js';

let parent: string;
let directory: string;

beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'palisade-lock-'));
  directory = join(parent, 'pgdata');
});

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

describe('lockDataDirectory', () => {
  it('writes the pid and removes the lock on release', async () => {
    const release = await lockDataDirectory(directory);
    expect(await readFile(`${directory}.lock`, 'utf8')).toBe(`${process.pid}\n`);

    await release();
    await expect(readFile(`${directory}.lock`, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('rejects a folder held by a running process', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(`${directory}.lock`, `${holder.pid}\n`);
      const attempt = lockDataDirectory(directory);
      await expect(attempt).rejects.toBeInstanceOf(DataDirectoryInUseError);
      await expect(attempt).rejects.toThrow(`in use by process ${holder.pid}`);
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock left by a process that exited', async () => {
    const exited = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => exited.once('exit', resolve));
    await writeFile(`${directory}.lock`, `${exited.pid}\n`);

    const release = await lockDataDirectory(directory);
    expect(await readFile(`${directory}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });

  it('takes over an unreadable lock', async () => {
    await writeFile(`${directory}.lock`, 'garbage');
    const release = await lockDataDirectory(directory);
    expect(await readFile(`${directory}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });
});
