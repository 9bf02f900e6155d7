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

/**
 * Returns why `metadata` breaks the limits, or undefined when it is within them.
 * The message names the JSON path at fault.
 */
export function checkMetadataLimits(metadata: unknown): string | undefined {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return 'metadata must be a JSON object';
  }
  // The shape check stops at the depth limit, so it runs before JSON.stringify,
  // which would overflow the stack on a value nested thousands of levels deep.
  const shapeProblem = checkShape(metadata, 'metadata', 1);
  if (shapeProblem !== undefined) return shapeProblem;

  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (bytes > profileLimits.metadataMaxBytes) {
    return `metadata is ${bytes} bytes as JSON; the limit is ${profileLimits.metadataMaxBytes}`;
  }
  return undefined;
}

function checkShape(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > profileLimits.metadataMaxDepth) {
    return `${path} is nested ${depth} levels deep; the limit is ${profileLimits.metadataMaxDepth}`;
  }

  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  if (!Array.isArray(value) && entries.length > profileLimits.metadataMaxKeys) {
    return `${path} has ${entries.length} keys; the limit is ${profileLimits.metadataMaxKeys}`;
  }
  for (const [key, item] of entries) {
    const problem = checkShape(item, `${path}.${key}`, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
