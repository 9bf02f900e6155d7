import {
  awsRegionSettings,
  iamTokenLifetimeSeconds,
  isProductionMode,
  productionModeVariable,
} from '@palisade/credentials';
import { Type, type Static } from 'typebox';

/** Configuration of how the gatekeeper authenticates to PostgreSQL. */
export const databaseCredentialSettings = {
  DATABASE_CREDENTIALS: Type.Union(
    [Type.Literal('rds-iam'), Type.Literal('file'), Type.Literal('static')],
    {
      default: 'static',
      description:
        'Where database credentials come from. rds-iam: an RDS IAM token signed with the ' +
        "workload's AWS role (user from DATABASE_URL, TLS required). file: user name and " +
        'password files (DATABASE_USERNAME_FILE, DATABASE_PASSWORD_FILE), read again for each ' +
        'new connection. static: the user and password in DATABASE_URL, refused when ' +
        'NODE_ENV=production.',
    },
  ),
  DATABASE_USERNAME_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'File with the database user name (file credentials); else the URL user.',
    }),
  ),
  DATABASE_PASSWORD_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'File with the database password (file credentials).',
    }),
  ),
  DATABASE_PASSWORD_VALIDITY_SECONDS: Type.Integer({
    minimum: 60,
    default: 3600,
    description:
      'Shortest time a password written to DATABASE_PASSWORD_FILE stays valid, in seconds ' +
      '(file credentials): the rotation schedule guarantees it, for example with VALID UNTIL.',
  }),
  DATABASE_TLS_CA_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'PEM bundle of the CAs that sign the database server certificate, such as the RDS ' +
        'global bundle. Turns on TLS with certificate and host name checks; required for rds-iam.',
    }),
  ),
  ...awsRegionSettings,
  DATABASE_POOL_MAX_LIFETIME_SECONDS: Type.Integer({
    minimum: 10,
    maximum: 86_400,
    default: 600,
    description:
      'Age in seconds at which a pool connection is closed and replaced. It must stay below ' +
      'the validity of the credentials (900 s for rds-iam tokens), so no connection outlives ' +
      'the credential it was opened with.',
  }),
};

/** The variables that the credential checks read, as one schema. */
export const databaseCredentialConfigSchema = Type.Object({
  DATABASE_URL: Type.String(),
  ...databaseCredentialSettings,
});

/** The database credential variables, typed, as `loadConfig` returns them. */
export type DatabaseCredentialConfig = Static<typeof databaseCredentialConfigSchema>;

/**
 * Returns the problems of a database credential configuration that its schema cannot express.
 * They are settings a provider needs, a URL password next to a provider that brings its own,
 * static credentials in production mode, and a connection lifetime beyond the credential's.
 */
export function databaseCredentialProblems(
  config: DatabaseCredentialConfig,
  env: NodeJS.ProcessEnv,
): string[] {
  const problems: string[] = [];
  const kind = config.DATABASE_CREDENTIALS;
  const url = URL.canParse(config.DATABASE_URL) ? new URL(config.DATABASE_URL) : undefined;

  if (kind === 'static' && isProductionMode(env)) {
    problems.push(
      `DATABASE_CREDENTIALS=static is refused when ${productionModeVariable}=production: use rds-iam or file`,
    );
  }
  if (kind !== 'static' && url !== undefined && url.password !== '') {
    problems.push(
      `DATABASE_URL contains a password, but DATABASE_CREDENTIALS=${kind} provides its own: remove it from the URL`,
    );
  }
  if (kind === 'file' && config.DATABASE_PASSWORD_FILE === undefined) {
    problems.push('DATABASE_PASSWORD_FILE is missing: DATABASE_CREDENTIALS=file needs it');
  }
  if (kind === 'file' && isProductionMode(env) && config.DATABASE_TLS_CA_FILE === undefined) {
    problems.push(
      `DATABASE_TLS_CA_FILE is missing: with ${productionModeVariable}=production the database ` +
        'password travels only over TLS to a verified server',
    );
  }
  if (kind === 'rds-iam') problems.push(...rdsIamProblems(config, url));

  const validity =
    kind === 'rds-iam'
      ? iamTokenLifetimeSeconds
      : kind === 'file'
        ? config.DATABASE_PASSWORD_VALIDITY_SECONDS
        : undefined;
  if (validity !== undefined && config.DATABASE_POOL_MAX_LIFETIME_SECONDS >= validity) {
    problems.push(
      `DATABASE_POOL_MAX_LIFETIME_SECONDS=${config.DATABASE_POOL_MAX_LIFETIME_SECONDS} is invalid: ` +
        `it must be below the ${validity} s that ${kind} credentials stay valid`,
    );
  }
  return problems;
}

function rdsIamProblems(config: DatabaseCredentialConfig, url: URL | undefined): string[] {
  const problems: string[] = [];
  if (config.DATABASE_TLS_CA_FILE === undefined) {
    problems.push(
      'DATABASE_TLS_CA_FILE is missing: RDS accepts IAM tokens only over TLS; set it to the RDS CA bundle',
    );
  }
  if (config.AWS_REGION === undefined) {
    problems.push('AWS_REGION is missing: DATABASE_CREDENTIALS=rds-iam signs tokens for a region');
  }
  if (url !== undefined && url.username === '') {
    problems.push('DATABASE_URL has no user name: rds-iam signs a token for the user in the URL');
  }
  return problems;
}
