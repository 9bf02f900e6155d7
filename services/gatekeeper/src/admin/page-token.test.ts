import { describe, expect, it } from 'vitest';

import { GatekeeperError } from '../errors.js';
import { decodePageToken, encodePageToken } from './page-token.js';

describe('page tokens', () => {
  it('round-trips a sequence number', () => {
    expect(decodePageToken(encodePageToken('12345'))).toBe('12345');
  });

  it.each([
    ['garbage', 'not a token'],
    ['an empty cursor', ''],
    ['a negative number', Buffer.from('seq:-1').toString('base64url')],
    ['SQL text', Buffer.from('seq:1 OR 1=1').toString('base64url')],
    ['a number too large for bigint', Buffer.from(`seq:${'9'.repeat(20)}`).toString('base64url')],
    ['19 digits past the bigint range', Buffer.from(`seq:${'9'.repeat(19)}`).toString('base64url')],
  ])('rejects %s as INVALID_ARGUMENT', (_name, token) => {
    expect(() => decodePageToken(token)).toThrow(GatekeeperError);
    expect(() => decodePageToken(token)).toThrow(/page_token is invalid/);
  });
});
