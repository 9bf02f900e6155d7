import { readFile, rm, writeFile } from 'node:fs/promises';

/** Thrown when another live process uses the embedded database's folder. */
export class DataDirectoryInUseError extends Error {
  readonly code = 'DATA_DIRECTORY_IN_USE';

  constructor(directory: string, pid: number) {
    super(
      `the embedded database folder ${directory} is in use by process ${pid}: stop the other palisade dev, or set PALISADE_HOME to another folder`,
    );
    this.name = 'DataDirectoryInUseError';
  }
}

/**
 * Claims `directory` for this process with a `<directory>.lock` file holding
 * its pid, because two PGlite instances on one folder would corrupt it. A lock
 * left by a process that no longer runs is taken over. Returns the release.
 */
export async function lockDataDirectory(directory: string): Promise<() => Promise<void>> {
  const lockFile = `${directory}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    const holder = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
      throw new DataDirectoryInUseError(directory, holder);
    }
    await rm(lockFile, { force: true });
  }
  throw new Error(`could not create ${lockFile}: another process keeps recreating it`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
