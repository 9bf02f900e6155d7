import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on Linux for x86-64 and arm64. */
const clockTicksPerSecond = 100;

/** CPU time and resident memory of one process at one moment. */
export interface ProcessSample {
  /** User plus system CPU time since the process started, in milliseconds. */
  readonly cpuMs: number;
  /** Resident set size, in bytes. */
  readonly rssBytes: number;
}

/** Reads the CPU time (fields utime and stime of /proc/<pid>/stat) and VmRSS of `pid`. */
export async function sampleProcess(pid: number): Promise<ProcessSample> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name in field 2 may contain spaces, so count fields after its closing bracket.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  return { cpuMs: (ticks * 1000) / clockTicksPerSecond, rssBytes: rssKb * 1024 };
}

/**
 * Finds the process whose command line contains `entryPoint` and whose environment contains
 * `variable`, such as `WEB_PORT=41234`, which distinguishes stacks that run side by side.
 *
 * @throws {Error} when no such process runs.
 */
export async function findProcess(entryPoint: string, variable: string): Promise<number> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const commandLine = await readFile(`/proc/${name}/cmdline`, 'utf8');
      if (!commandLine.includes(entryPoint)) continue;
      const environment = (await readFile(`/proc/${name}/environ`, 'utf8')).split('\0');
      if (environment.includes(variable)) return Number(name);
    } catch {
      // The process ended while the list was read.
    }
  }
  throw new Error(`no process runs ${entryPoint} with ${variable}`);
}
