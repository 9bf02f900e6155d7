import { Signer } from '@aws-sdk/rds-signer';
import {
  iamTokenLifetimeSeconds,
  RefreshingToken,
  type AwsCredentials,
  type AwsCredentialsProvider,
  type CredentialLogger,
} from '@palisade/credentials';

import type { DatabaseCredentialProvider } from './database-credentials.js';

/** Options of {@link rdsIamCredentials}. */
export interface RdsIamCredentialsOptions {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly region: string;
  /** AWS credentials; the SDK's default provider chain (the pod's IAM role) when absent. */
  readonly credentials?: AwsCredentials | AwsCredentialsProvider;
  /** How long before expiry a new token is signed, in milliseconds. Default 5 minutes. */
  readonly refreshBeforeExpiryMs?: number;
  /** First and longest retry delay after a signing failure, in milliseconds. */
  readonly retryInitialDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  readonly logger: CredentialLogger;
}

/**
 * Creates credentials for RDS IAM database authentication. The password of each connection is
 * an authentication token, a SigV4-presigned `connect` request valid for 15 minutes. A new token
 * is signed in the background before the current one expires, so opening a connection does
 * not wait for signing. RDS accepts IAM tokens only over TLS; the pool enforces it.
 */
export function rdsIamCredentials(options: RdsIamCredentialsOptions): DatabaseCredentialProvider {
  const signer = new Signer({
    hostname: options.hostname,
    port: options.port,
    username: options.username,
    region: options.region,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
  const token = new RefreshingToken({
    name: 'RDS IAM token',
    sign: () => signer.getAuthToken(),
    lifetimeMs: iamTokenLifetimeSeconds * 1000,
    refreshBeforeExpiryMs: options.refreshBeforeExpiryMs ?? 5 * 60_000,
    ...(options.retryInitialDelayMs === undefined
      ? {}
      : { retryInitialDelayMs: options.retryInitialDelayMs }),
    ...(options.retryMaxDelayMs === undefined ? {} : { retryMaxDelayMs: options.retryMaxDelayMs }),
    logger: options.logger,
  });

  // Sign the first token now, so the first connection does not wait; a failure is logged and
  // retried in the background.
  token.current().catch(() => undefined);

  return {
    kind: 'rds-iam',
    validitySeconds: iamTokenLifetimeSeconds,
    username: () => options.username,
    password: () => token.current(),
    close: () => token.stop(),
  };
}
