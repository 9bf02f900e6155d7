import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServiceProcessOptions {
  readonly name: string;
  readonly entryPoint: string;
  readonly args?: readonly string[];
  /** Options for node itself, placed before the entry point, such as `--import`. */
  readonly execArgv?: readonly string[];
  /** The whole environment of the process: it inherits nothing else. */
  readonly env: Readonly<Record<string, string>>;
  /** Receives every output line, already prefixed with the service name. */
  readonly output: (line: string) => void;
}

/** The end of a service process: its exit code, or the signal that ended it. */
export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Describes an exit for a message, such as `exited with code 1` or `was killed by SIGKILL`. */
export function describeExit(exit: ServiceExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}

/** A service running as its own Node.js process. */
export class ServiceProcess {
  readonly name: string;
  readonly exited: Promise<ServiceExit>;
  #child: ChildProcess;
  #exit: ServiceExit | undefined;

  constructor(options: ServiceProcessOptions) {
    this.name = options.name;
    const argv = [...(options.execArgv ?? []), options.entryPoint, ...(options.args ?? [])];
    this.#child = spawn(process.execPath, argv, {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    const prefix = `${options.name.padEnd(10)} | `;
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (stream)
        createInterface({ input: stream }).on('line', (line) => options.output(prefix + line));
    }

    this.exited = new Promise((resolve) => {
      const end = (exit: ServiceExit) => {
        this.#exit ??= exit;
        resolve(this.#exit);
      };
      this.#child.once('exit', (code, signal) => end({ code, signal }));
      this.#child.once('error', (error) => {
        options.output(`${prefix}failed to start: ${error.message}`);
        end({ code: 127, signal: null });
      });
    });
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
