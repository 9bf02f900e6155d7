import { SecretFile, type CredentialLogger } from '@palisade/credentials';

import type { DatabaseCredentialProvider } from './database-credentials.js';

/** Options of {@link fileCredentials}. */
export interface FileCredentialsOptions {
  /** File with the user name; without it, `fallbackUsername` (from DATABASE_URL) is used. */
  readonly usernameFile?: string;
  readonly fallbackUsername: string;
  readonly passwordFile: string;
  /** Shortest time a password written to the file stays valid, in seconds. */
  readonly validitySeconds: number;
  readonly logger: CredentialLogger;
}

/**
 * Creates credentials read from files, in the layout of a Kubernetes Secret that the External
 * Secrets Operator writes, with one file per key. Each new connection reads the files again, so a rotated
 * password is used from the next connection on, without a restart.
 *
 * @throws {CredentialError} when a file cannot be read at start-up.
 */
export async function fileCredentials(
  options: FileCredentialsOptions,
): Promise<DatabaseCredentialProvider> {
  const { logger } = options;
  const passwordFile = new SecretFile(
    { path: options.passwordFile, variable: 'DATABASE_PASSWORD_FILE' },
    { onChange: () => logger.info({ file: options.passwordFile }, 'database password changed') },
  );
  const usernameFile =
    options.usernameFile === undefined
      ? undefined
      : new SecretFile(
          { path: options.usernameFile, variable: 'DATABASE_USERNAME_FILE' },
          {
            onChange: () =>
              logger.info({ file: options.usernameFile }, 'database user name changed'),
          },
        );

  // Read once now, so a missing file stops the start-up with a clear message.
  await passwordFile.read();
  let username = usernameFile?.readSync() ?? options.fallbackUsername;

  return {
    kind: 'file',
    validitySeconds: options.validitySeconds,
    username() {
      if (usernameFile === undefined) return username;
      try {
        username = usernameFile.readSync();
      } catch (error) {
        // A file replaced at this moment keeps the last name; the password read reports errors.
        logger.warn({ err: error }, 'database user name file unreadable; using the last name');
      }
      return username;
    },
    password: () => passwordFile.read(),
    close: () => undefined,
  };
}
