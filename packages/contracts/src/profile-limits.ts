/**
 * Limits on profile fields, enforced by the web tier's request schemas and
 * again by the gatekeeper, so neither trusts the other's validation.
 */
export const profileLimits = {
  displayNameMaxLength: 100,
  emailMaxLength: 254,
  localeMaxLength: 35,
  /** Maximum size of `metadata` serialised as JSON, in UTF-8 bytes. */
  metadataMaxBytes: 4096,
  /** Maximum nesting depth of `metadata`; the top-level object is depth 1. */
  metadataMaxDepth: 5,
  /** Maximum number of keys in any one object inside `metadata`. */
  metadataMaxKeys: 50,
} as const;

/** BCP 47 language tag shape, for example `en` or `en-GB`. */
export const localePattern = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$';

/** A pragmatic email shape: one `@`, no spaces, a dot in the domain. */
export const emailPattern = '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$';

/** Profile fields that UpdateProfile accepts in `update_mask`. */
export const profileUpdateFields = ['display_name', 'email', 'locale', 'metadata'] as const;

/** Size and shape limits of a free-form JSON object stored as JSONB. */
export interface MetadataLimits {
  /** Maximum size serialised as JSON, in UTF-8 bytes. */
  readonly metadataMaxBytes: number;
  /** Maximum nesting depth; the top-level object is depth 1. */
  readonly metadataMaxDepth: number;
  /** Maximum number of keys in any one object. */
  readonly metadataMaxKeys: number;
}

/**
 * Returns why `metadata` breaks the limits, or undefined when it is within them.
 * The message names the JSON path at fault, starting with `field`. The limits
 * default to those of profile metadata.
 */
export function checkMetadataLimits(
  metadata: unknown,
  limits: MetadataLimits = profileLimits,
  field = 'metadata',
): string | undefined {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return `${field} must be a JSON object`;
  }
  // The shape check stops at the depth limit, so it runs before JSON.stringify,
  // which would overflow the stack on a value nested thousands of levels deep.
  const shapeProblem = checkShape(metadata, field, 1, limits);
  if (shapeProblem !== undefined) return shapeProblem;

  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (bytes > limits.metadataMaxBytes) {
    return `${field} is ${bytes} bytes as JSON; the limit is ${limits.metadataMaxBytes}`;
  }
  return undefined;
}

function checkShape(
  value: unknown,
  path: string,
  depth: number,
  limits: MetadataLimits,
): string | undefined {
  // PostgreSQL's jsonb cannot store U+0000, so it is rejected here with the path.
  if (typeof value === 'string') {
    return value.includes('\u0000') ? `${path} contains a NUL character: remove it` : undefined;
  }
  // Metadata travels as google.protobuf.Struct, whose numbers are 64-bit floats, so an integer
  // beyond 2^53 - 1 or an infinity would be stored changed. Such values are rejected instead.
  if (typeof value === 'number' && !isExactNumber(value)) {
    return `${path} is a number that cannot be stored exactly: send it as a string`;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > limits.metadataMaxDepth) {
    return `${path} is nested ${depth} levels deep; the limit is ${limits.metadataMaxDepth}`;
  }

  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  if (!Array.isArray(value) && entries.length > limits.metadataMaxKeys) {
    return `${path} has ${entries.length} keys; the limit is ${limits.metadataMaxKeys}`;
  }
  for (const [key, item] of entries) {
    if (key.includes('\u0000')) return `${path} has a key with a NUL character: remove it`;
    const problem = checkShape(item, `${path}.${key}`, depth + 1, limits);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function isExactNumber(value: number): boolean {
  return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value));
}
