import { describe, expect, it } from 'vitest';

import { bearerTokenFromHeader } from './bearer-token.js';

describe('bearerTokenFromHeader', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER abc.def.ghi', 'abc.def.ghi'],
    ['Bearer   abc-_~+/=', 'abc-_~+/='],
    [' Bearer abc ', 'abc'],
  ])('extracts the token from %j', (header, token) => {
    expect(bearerTokenFromHeader(header)).toBe(token);
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'Bearerabc',
    'Bearer a b',
    'Bearer a, Bearer b',
    'Bearer a,b',
    'Bearer a=b',
    'Token abc',
  ])('returns undefined for %j', (header) => {
    expect(bearerTokenFromHeader(header)).toBeUndefined();
  });
});
