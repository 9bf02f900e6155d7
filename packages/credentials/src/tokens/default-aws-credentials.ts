import type { AwsCredentialsProvider } from './aws-credentials.js';

/**
 * Returns the AWS SDK's default credential provider chain: environment, web identity (the IAM
 * role of a Kubernetes service account), shared files, container and instance metadata. The SDK
 * is loaded on first use, so development runs without AWS never load it.
 */
export async function defaultAwsCredentials(): Promise<AwsCredentialsProvider> {
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider();
}
