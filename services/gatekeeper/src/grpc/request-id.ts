import { randomUUID } from 'node:crypto';

import type { Metadata } from '@grpc/grpc-js';

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

/** Returns the caller's `x-request-id` when it is well-formed, otherwise a new UUID. */
export function requestIdOf(metadata: Metadata): string {
  const value = metadata.get('x-request-id')[0];
  return typeof value === 'string' && requestIdPattern.test(value) ? value : randomUUID();
}
