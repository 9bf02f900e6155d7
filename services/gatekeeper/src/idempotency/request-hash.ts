import { createHash } from 'node:crypto';

/**
 * Returns the SHA-256 (hex) of `method` and the canonical JSON of `request`, in which object
 * keys are sorted, so two requests with equal content hash alike whatever their key order.
 */
export function requestHash(method: string, request: unknown): string {
  return createHash('sha256')
    .update(`${method}\n${canonicalJson(request)}`)
    .digest('hex');
}

/** Orders object keys by UTF-16 code units, as a plain string comparison does. */
function compareKeys(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/** JSON with object keys sorted at every level; `undefined` members are left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;

  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([left], [right]) => compareKeys(left, right))
    .map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`);
  return `{${members.join(',')}}`;
}
