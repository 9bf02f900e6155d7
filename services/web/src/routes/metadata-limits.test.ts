import { describe, expect, it } from 'vitest';

import { findMetadataProblem } from './metadata-limits.js';

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < levels; level += 1) value = { [`l${level}`]: value };
  return value;
}

describe('findMetadataProblem', () => {
  it('accepts metadata within every limit', () => {
    expect(findMetadataProblem({ a: 1, b: [1, 2], c: { d: 'x' } })).toBeUndefined();
  });

  it('accepts five levels', () => {
    expect(findMetadataProblem(nested(5))).toBeUndefined();
  });

  it('rejects six levels naming the deepest container', () => {
    expect(findMetadataProblem(nested(6))?.field).toBe('/metadata/l5/l4/l3/l2/l1');
  });

  it('counts arrays as levels', () => {
    expect(findMetadataProblem({ a: [[[[[1]]]]] })?.field).toBe('/metadata/a/0/0/0/0');
  });

  it('rejects more than 50 keys on a nested level', () => {
    const wide = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 0]));
    expect(findMetadataProblem({ inner: wide })?.field).toBe('/metadata/inner');
  });

  it('accepts an array of more than 50 items', () => {
    expect(findMetadataProblem({ list: Array.from({ length: 51 }, () => 0) })).toBeUndefined();
  });

  it('accepts exactly 50 keys', () => {
    const wide = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 0]));
    expect(findMetadataProblem(wide)).toBeUndefined();
  });

  it('measures size in UTF-8 bytes', () => {
    // Each "é" is one character but two bytes.
    const problem = findMetadataProblem({ text: 'é'.repeat(2100) });
    expect(problem?.field).toBe('/metadata');
    expect(problem?.message).toContain('4096 bytes');
  });

  it('escapes "/" and "~" in key names', () => {
    const wide = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 0]));
    expect(findMetadataProblem({ 'a/b~c': wide })?.field).toBe('/metadata/a~1b~0c');
  });

  it('stops at the depth limit on very deep input', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 5000; level += 1) deep = [deep];
    expect(findMetadataProblem({ deep }, '/metadata')?.message).toContain('deeper');
  });
});
