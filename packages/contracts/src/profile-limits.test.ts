import { describe, expect, it } from 'vitest';

import { checkMetadataLimits, profileLimits } from './profile-limits.js';

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level += 1) value = { child: value };
  return value;
}

describe('checkMetadataLimits', () => {
  it('accepts an object within the limits', () => {
    expect(checkMetadataLimits({ lab: 'north', shelf: [1, 2, { row: 3 }] })).toBeUndefined();
  });

  it('rejects arrays, null and scalars', () => {
    expect(checkMetadataLimits([])).toBe('metadata must be a JSON object');
    expect(checkMetadataLimits(null)).toBe('metadata must be a JSON object');
    expect(checkMetadataLimits('text')).toBe('metadata must be a JSON object');
  });

  it('accepts the maximum depth', () => {
    expect(checkMetadataLimits(nested(profileLimits.metadataMaxDepth))).toBeUndefined();
  });

  it('rejects one level too deep and names the path', () => {
    const problem = checkMetadataLimits(nested(profileLimits.metadataMaxDepth + 1));
    expect(problem).toBe(
      'metadata.child.child.child.child.child is nested 6 levels deep; the limit is 5',
    );
  });

  it('counts arrays as a level', () => {
    expect(checkMetadataLimits({ a: [[[[{}]]]] })).toMatch(/^metadata\.a\.0\.0\.0\.0 is nested/);
  });

  it('rejects a value nested far past the limit without overflowing', () => {
    expect(checkMetadataLimits(nested(100_000))).toMatch(/is nested 6 levels deep/);
  });

  it('rejects NUL in a value and names the path', () => {
    expect(checkMetadataLimits({ a: ['x\u0000'] })).toBe(
      'metadata.a.0 contains a NUL character: remove it',
    );
  });

  it.each([
    ['an integer past 2^53 - 1', 2 ** 53],
    ['infinity', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
  ])('rejects %s as inexact', (_name, value) => {
    expect(checkMetadataLimits({ id: value })).toBe(
      'metadata.id is a number that cannot be stored exactly: send it as a string',
    );
  });

  it('accepts the largest safe integer and fractions', () => {
    expect(checkMetadataLimits({ id: Number.MAX_SAFE_INTEGER, ratio: 0.25 })).toBeUndefined();
  });

  it('rejects NUL in a key', () => {
    expect(checkMetadataLimits({ 'k\u0000': 1 })).toBe(
      'metadata has a key with a NUL character: remove it',
    );
  });

  it('rejects too many keys', () => {
    const wide = Object.fromEntries(
      Array.from({ length: profileLimits.metadataMaxKeys + 1 }, (_, i) => [`k${i}`, i]),
    );
    expect(checkMetadataLimits(wide)).toBe('metadata has 51 keys; the limit is 50');
  });

  it('rejects an oversized object by UTF-8 bytes', () => {
    const problem = checkMetadataLimits({ text: 'é'.repeat(2100) });
    expect(problem).toMatch(/^metadata is 4\d{3} bytes as JSON; the limit is 4096$/);
  });
});
