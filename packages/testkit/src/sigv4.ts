import { createHash, createHmac } from 'node:crypto';

/** The parts of an AWS SigV4-presigned URL without its scheme, as IAM auth tokens carry it. */
export interface PresignedToken {
  readonly host: string;
  readonly path: string;
  /** Query parameters, decoded. */
  readonly query: Readonly<Record<string, string>>;
}

/** Splits an RDS or ElastiCache IAM token (`host/path?query`) into its parts. */
export function parsePresignedToken(token: string): PresignedToken {
  const url = new URL(`https://${token}`);
  return {
    host: url.host,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams.entries()),
  };
}

/**
 * Computes the SigV4 signature a presigned GET request must carry, written from the AWS
 * Signature Version 4 specification and independent of the SDK, so tests can check the SDK's
 * tokens against it. The payload is empty and `host` the only signed header.
 */
export function expectedPresignedSignature(
  token: PresignedToken,
  secretAccessKey: string,
  hostHeader: string = token.host,
): string {
  const [, date, region, service] = (token.query['X-Amz-Credential'] ?? '').split('/');
  const amzDate = token.query['X-Amz-Date'] ?? '';
  const canonicalQuery = Object.entries(token.query)
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const emptyPayloadHash = createHash('sha256').update('').digest('hex');
  const canonicalRequest = [
    'GET',
    token.path,
    canonicalQuery,
    `host:${hostHeader}\n`,
    'host',
    emptyPayloadHash,
  ].join('\n');

  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');

  const hmac = (key: string | Buffer, data: string) =>
    createHmac('sha256', key).update(data).digest();
  let key = hmac(`AWS4${secretAccessKey}`, date ?? '');
  key = hmac(key, region ?? '');
  key = hmac(key, service ?? '');
  key = hmac(key, 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
