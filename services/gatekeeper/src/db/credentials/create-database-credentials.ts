import type { CredentialLogger } from '@palisade/credentials';

import type { DatabaseCredentialConfig } from './database-credential-settings.js';
import type { DatabaseCredentialProvider } from './database-credentials.js';
import { fileCredentials } from './file-credentials.js';
import { rdsIamCredentials } from './rds-iam-credentials.js';

/**
 * Creates the credential provider that DATABASE_CREDENTIALS selects, or undefined for
 * `static`, where the pool uses the user name and password of DATABASE_URL as they are.
 * The configuration must have passed `databaseCredentialProblems`.
 *
 * @throws {CredentialError} when a credential file cannot be read.
 */
export async function createDatabaseCredentials(
  config: DatabaseCredentialConfig,
  logger: CredentialLogger,
): Promise<DatabaseCredentialProvider | undefined> {
  const url = new URL(config.DATABASE_URL);
  const username = decodeURIComponent(url.username);

  switch (config.DATABASE_CREDENTIALS) {
    case 'static':
      return undefined;
    case 'file':
      return fileCredentials({
        ...(config.DATABASE_USERNAME_FILE === undefined
          ? {}
          : { usernameFile: config.DATABASE_USERNAME_FILE }),
        fallbackUsername: username,
        passwordFile: requireSetting(config.DATABASE_PASSWORD_FILE, 'DATABASE_PASSWORD_FILE'),
        validitySeconds: config.DATABASE_PASSWORD_VALIDITY_SECONDS,
        logger,
      });
    case 'rds-iam':
      return rdsIamCredentials({
        hostname: url.hostname,
        port: url.port === '' ? 5432 : Number(url.port),
        username,
        region: requireSetting(config.AWS_REGION, 'AWS_REGION'),
        logger,
      });
  }
}

function requireSetting(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`${name} is missing`);
  return value;
}
