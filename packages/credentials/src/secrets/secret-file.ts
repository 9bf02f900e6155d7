import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import { CredentialError } from '../errors.js';

/** Source of a secret file: its path and the variable that named it. */
export interface SecretFileSource {
  readonly path: string;
  /** Environment variable that named the file, for error messages (`DATABASE_PASSWORD_FILE`). */
  readonly variable: string;
}

/**
 * A secret mounted as a file, such as a key of a Kubernetes Secret written by the External
 * Secrets Operator. Every read goes to the file, so a rotated value is used from the next read
 * on, without a restart. The files are tiny and read once per new connection at most.
 * One trailing line break is removed, because editors and `echo` add it.
 */
export class SecretFile {
  readonly #source: SecretFileSource;
  #lastValue: string | undefined;
  #onChange: (() => void) | undefined;

  constructor(source: SecretFileSource, options: { onChange?: () => void } = {}) {
    this.#source = source;
    this.#onChange = options.onChange;
  }

  get path(): string {
    return this.#source.path;
  }

  /**
   * Reads the current value.
   *
   * @throws {CredentialError} `SECRET_FILE_UNREADABLE` or `SECRET_FILE_EMPTY`.
   */
  async read(): Promise<string> {
    let contents: string;
    try {
      contents = await readFile(this.#source.path, 'utf8');
    } catch (error) {
      throw this.#unreadable(error);
    }
    return this.#accept(contents);
  }

  /** Reads the current value synchronously, for callers that cannot wait (a client constructor). */
  readSync(): string {
    let contents: string;
    try {
      contents = readFileSync(this.#source.path, 'utf8');
    } catch (error) {
      throw this.#unreadable(error);
    }
    return this.#accept(contents);
  }

  #accept(contents: string): string {
    const value = contents.replace(/\r?\n$/, '');
    if (value === '') {
      throw new CredentialError(
        'SECRET_FILE_EMPTY',
        `${this.#source.variable}=${JSON.stringify(this.#source.path)} is empty: write the secret into the file`,
      );
    }
    if (this.#lastValue !== undefined && this.#lastValue !== value) this.#onChange?.();
    this.#lastValue = value;
    return value;
  }

  #unreadable(error: unknown): CredentialError {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return new CredentialError(
      'SECRET_FILE_UNREADABLE',
      `${this.#source.variable}=${JSON.stringify(this.#source.path)} cannot be read (${reason}): check the path and its permissions`,
      { cause: error },
    );
  }
}
