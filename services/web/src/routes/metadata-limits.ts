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

/**
 * Checks metadata against {@link metadataLimits} and returns the first problem found, naming the
 * field at fault by its JSON pointer (`pointer` is where `metadata` sits in the body).
 */
export function findMetadataProblem(
  metadata: unknown,
  pointer = '/metadata',
): FieldError | undefined {
  // The shape goes first: JSON.stringify recurses, and a 16 KB body can nest thousands of levels.
  const shapeProblem = findShapeProblem(metadata, pointer, 1);
  if (shapeProblem !== undefined) return shapeProblem;

  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (bytes > metadataLimits.maxBytes) {
    return {
      field: pointer,
      message: `must not exceed ${metadataLimits.maxBytes} bytes as JSON (it has ${bytes})`,
    };
  }
  return undefined;
}

function findShapeProblem(value: unknown, pointer: string, depth: number): FieldError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;

  // Checked before descending, so a deeply nested body cannot exhaust the stack.
  if (depth > metadataLimits.maxDepth) {
    return {
      field: pointer,
      message: `must not nest deeper than ${metadataLimits.maxDepth} levels`,
    };
  }

  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  if (!Array.isArray(value) && entries.length > metadataLimits.maxKeys) {
    return { field: pointer, message: `must not have more than ${metadataLimits.maxKeys} keys` };
  }

  for (const [key, item] of entries) {
    const problem = findShapeProblem(item, `${pointer}/${escapePointerToken(key)}`, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
