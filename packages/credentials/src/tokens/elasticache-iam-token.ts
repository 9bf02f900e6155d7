import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

import {
  iamTokenLifetimeSeconds,
  type AwsCredentials,
  type AwsCredentialsProvider,
} from './aws-credentials.js';

/** What an ElastiCache IAM authentication token is signed for. */
export interface ElastiCacheTokenRequest {
  /** Replication group ID, or the cache name of a serverless cache. */
  readonly replicationGroupId: string;
  /** ElastiCache user ID; IAM-enabled users must have a user name equal to it. */
  readonly userId: string;
  readonly region: string;
  /** True for ElastiCache Serverless, which the token must name as its resource type. */
  readonly serverless?: boolean;
  readonly credentials: AwsCredentials | AwsCredentialsProvider;
  /** Signing time; now by default. */
  readonly signingDate?: Date;
}

/**
 * Signs an ElastiCache IAM authentication token: a SigV4-presigned `connect` request for the
 * replication group, valid for 15 minutes, sent as the password of `AUTH <userId> <token>`.
 * Signing is local; it makes no network call unless `credentials` does.
 */
export async function signElastiCacheToken(request: ElastiCacheTokenRequest): Promise<string> {
  const signer = new SignatureV4({
    service: 'elasticache',
    region: request.region,
    credentials: request.credentials,
    sha256: Sha256,
  });
  const query: Record<string, string> = { Action: 'connect', User: request.userId };
  if (request.serverless === true) query['ResourceType'] = 'ServerlessCache';

  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname: request.replicationGroupId,
      path: '/',
      query,
      headers: { host: request.replicationGroupId },
    },
    {
      expiresIn: iamTokenLifetimeSeconds,
      ...(request.signingDate ? { signingDate: request.signingDate } : {}),
    },
  );
  return `${presigned.hostname}${presigned.path}?${queryString(presigned.query ?? {})}`;
}

/** Builds a query string with RFC 3986 escaping, as SigV4 canonicalises it. */
function queryString(query: Record<string, string | string[] | null | undefined>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value ?? '']) {
      pairs.push(`${escape(key)}=${escape(item)}`);
    }
  }
  return pairs.join('&');
}

function escape(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
