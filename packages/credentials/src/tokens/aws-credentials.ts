/** AWS credentials as the SDK resolves them; temporary ones carry a session token. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Resolves AWS credentials, for example the SDK's default provider chain. */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** Lifetime of an RDS or ElastiCache IAM authentication token: 15 minutes, fixed by AWS. */
export const iamTokenLifetimeSeconds = 900;
