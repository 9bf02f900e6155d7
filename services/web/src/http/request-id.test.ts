import { describe, expect, it } from 'vitest';

import { requestIdOf } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('requestIdOf', () => {
  it('keeps a valid incoming id', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'abc-1.2_3' } })).toBe('abc-1.2_3');
  });

  it('generates a UUID when the header is missing', () => {
    expect(requestIdOf({ headers: {} })).toMatch(UUID);
  });

  it('replaces an id with forbidden characters', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'a\nforged log line' } })).toMatch(UUID);
  });

  it('replaces an id over 128 characters', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'a'.repeat(129) } })).toMatch(UUID);
  });

  it('keeps an id of exactly 128 characters', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'a'.repeat(128) } })).toBe('a'.repeat(128));
  });
});
