import { SearchMode } from '@palisade/contracts';
import { describe, expect, it } from 'vitest';

import { ProblemError } from '../problem/problem.js';
import { parseMetadataFilter, toUpdateEntryRequest } from './entries-routes.js';
import { searchModeName } from './entry-schema.js';

function problemOf(run: () => unknown): ProblemError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('expected a ProblemError');
}

describe('parseMetadataFilter', () => {
  it('returns an empty filter when absent', () => {
    expect(parseMetadataFilter(undefined)).toEqual({});
  });

  it('parses a JSON object', () => {
    expect(parseMetadataFilter('{"lab":{"room":2}}')).toEqual({ lab: { room: 2 } });
  });

  it('rejects text that is not JSON, naming the parameter', () => {
    const problem = problemOf(() => parseMetadataFilter('{nope'));
    expect(problem.status).toBe(400);
    expect(problem.options.errors).toEqual([
      { field: 'metadata', message: 'must be a JSON object' },
    ]);
  });

  it('rejects JSON that is not an object', () => {
    expect(problemOf(() => parseMetadataFilter('[1]')).detail).toBe(
      'metadata must be a JSON object',
    );
  });

  it('rejects a filter over its size limit', () => {
    const text = JSON.stringify({ k: 'v'.repeat(1100) });
    expect(problemOf(() => parseMetadataFilter(text)).detail).toMatch(
      /^metadata must not exceed 1024 bytes as JSON/,
    );
  });

  it('names the nested field that is too deep', () => {
    const text = JSON.stringify({ a: { b: { c: { d: { e: { f: 1 } } } } } });
    expect(problemOf(() => parseMetadataFilter(text)).options.errors?.[0]?.field).toBe(
      'metadata/a/b/c/d/e',
    );
  });
});

describe('toUpdateEntryRequest', () => {
  it('masks exactly the given fields', () => {
    const request = toUpdateEntryRequest('id-1', { title: 'T', sharedWith: [] });
    expect(request.updateMask).toEqual(['title', 'shared_with']);
    expect(request.title).toBe('T');
    expect(request.sharedWith).toEqual([]);
  });
});

describe('searchModeName', () => {
  it('names both modes', () => {
    expect(searchModeName(SearchMode.SEARCH_MODE_HYBRID)).toBe('hybrid');
    expect(searchModeName(SearchMode.SEARCH_MODE_TEXT)).toBe('text');
  });

  it('rejects an unspecified mode', () => {
    expect(() => searchModeName(SearchMode.SEARCH_MODE_UNSPECIFIED)).toThrow(/unknown search mode/);
  });
});
