import { describe, expect, it } from 'vitest';

import { sameOriginPath } from './return-path.js';

const ORIGIN = 'https://app.example.com';

describe('sameOriginPath', () => {
  it.each([
    ['/', '/'],
    ['/notebook', '/notebook'],
    ['/notebook?tab=2#top', '/notebook?tab=2#top'],
    ['/a/../b', '/b'],
  ])('accepts %s', (candidate, expected) => {
    expect(sameOriginPath(candidate, ORIGIN)).toBe(expected);
  });

  it.each([
    'https://attacker.example/',
    '//attacker.example/',
    '/..//attacker.example',
    '/a/../..//attacker.example/path',
    '/\\attacker.example',
    '\\\\attacker.example',
    'notebook',
    'javascript:alert(1)',
    '/path\nSet-Cookie: x=1',
    `/${'a'.repeat(2048)}`,
  ])('rejects %j', (candidate) => {
    expect(sameOriginPath(candidate, ORIGIN)).toBeUndefined();
  });
});
