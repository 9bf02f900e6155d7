import { profileLimits } from '@palisade/contracts';

import { escapePointerToken } from '../http/json-pointer.js';
import type { FieldError } from '../problem/problem.js';

/**
 * Limits on profile metadata, which the gatekeeper stores as JSONB. The numbers come from the
 * contracts package, which the gatekeeper checks again.
 */
export const metadataLimits = {
  /** Size of the metadata serialised as JSON, in UTF-8 bytes. */
  maxBytes: profileLimits.metadataMaxBytes,
  /** Levels of objects and arrays, counting the metadata object itself as level 1. */
  maxDepth: profileLimits.metadataMaxDepth,
  /** Keys of each object. Arrays are bounded by `maxBytes` only. */
  maxKeys: profileLimits.metadataMaxKeys,
} as const;

/** Size and shape limits of one metadata field, in the form of {@link metadataLimits}. */
export interface MetadataFieldLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly maxKeys: number;
}

/**
 * Checks metadata against `limits` (profile metadata's by default) and returns the first problem
 * found, naming the field at fault by its JSON pointer (`pointer` is where `metadata` sits in the
 * body).
 */
export function findMetadataProblem(
  metadata: unknown,
  pointer = '/metadata',
  limits: MetadataFieldLimits = metadataLimits,
): FieldError | undefined {
  // The shape goes first: JSON.stringify recurses, and a 16 KB body can nest thousands of levels.
  const shapeProblem = findShapeProblem(metadata, pointer, 1, limits);
  if (shapeProblem !== undefined) return shapeProblem;

  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (bytes > limits.maxBytes) {
    return {
      field: pointer,
      message: `must not exceed ${limits.maxBytes} bytes as JSON (it has ${bytes})`,
    };
  }
  return undefined;
}

function findShapeProblem(
  value: unknown,
  pointer: string,
  depth: number,
  limits: MetadataFieldLimits,
): FieldError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;

  // Checked before descending, so a deeply nested body cannot exhaust the stack.
  if (depth > limits.maxDepth) {
    return {
      field: pointer,
      message: `must not nest deeper than ${limits.maxDepth} levels`,
    };
  }

  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  if (!Array.isArray(value) && entries.length > limits.maxKeys) {
    return { field: pointer, message: `must not have more than ${limits.maxKeys} keys` };
  }

  for (const [key, item] of entries) {
    const childPointer = `${pointer}/${escapePointerToken(key)}`;
    const problem = findShapeProblem(item, childPointer, depth + 1, limits);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
