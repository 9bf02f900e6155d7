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

/** A service running as its own Node.js process. */
export class ServiceProcess {
  readonly name: string;
  readonly exited: Promise<number | null>;
  #child: ChildProcess;
  #exitCode: number | null | undefined;

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
      this.#child.once('exit', (code, signal) => {
        this.#exitCode = code ?? (signal === null ? null : 128);
        resolve(this.#exitCode);
      });
      this.#child.once('error', (error) => {
        options.output(`${prefix}failed to start: ${error.message}`);
        this.#exitCode = 127;
        resolve(127);
      });
    });
  }

  get running(): boolean {
    return this.#exitCode === undefined;
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
