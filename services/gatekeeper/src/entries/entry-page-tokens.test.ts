import { describe, expect, it } from 'vitest';

import {
  decodeListToken,
  decodeSearchToken,
  encodeListToken,
  encodeSearchToken,
  searchFingerprint,
} from './entry-page-tokens.js';

const id = '0b6c2c1e-8a4b-4c3d-9e2f-1a2b3c4d5e6f';

describe('list page tokens', () => {
  it('round-trips the position', () => {
    const position = { createdAt: '2025-01-02T03:04:05.123456Z', id };
    expect(decodeListToken(encodeListToken(position))).toEqual(position);
  });

  it('rejects a timestamp with an offset', () => {
    const token = encodeListToken({ createdAt: '2025-01-02T08:34:05.123456+05:30', id });
    expect(() => decodeListToken(token)).toThrow(/page_token is invalid/);
  });

  it('rejects a timestamp that PostgreSQL did not print', () => {
    const token = encodeListToken({ createdAt: 'now', id });
    expect(() => decodeListToken(token)).toThrow(/page_token is invalid/);
  });

  it('rejects a search token', () => {
    const token = encodeSearchToken({ score: 0.1, id }, 'f');
    expect(() => decodeListToken(token)).toThrow(/page_token is invalid/);
  });

  it('rejects text that is not a token', () => {
    expect(() => decodeListToken('not a token')).toThrow(/page_token is invalid/);
  });
});

describe('search page tokens', () => {
  const fingerprint = searchFingerprint({ query: 'gel', tags: [], metadata: {}, mode: 'text' });

  it('round-trips the score exactly', () => {
    const position = { score: 1 / 61 + 1 / 75, id };
    expect(decodeSearchToken(encodeSearchToken(position, fingerprint), fingerprint)).toEqual(
      position,
    );
  });

  it('rejects a token of another search', () => {
    const other = searchFingerprint({ query: 'gels', tags: [], metadata: {}, mode: 'text' });
    const token = encodeSearchToken({ score: 0.1, id }, other);
    expect(() => decodeSearchToken(token, fingerprint)).toThrow(/different search/);
  });

  it('rejects a score that is not a number', () => {
    const token = Buffer.from(`search:["0.1","${id}","${fingerprint}"]`).toString('base64url');
    expect(() => decodeSearchToken(token, fingerprint)).toThrow(/page_token is invalid/);
  });
});

describe('searchFingerprint', () => {
  it('ignores the order of tags and metadata keys', () => {
    const a = searchFingerprint({
      query: 'q',
      tags: ['x', 'y'],
      metadata: { a: 1, b: { c: 2, d: 3 } },
      mode: 'hybrid',
    });
    const b = searchFingerprint({
      query: 'q',
      tags: ['y', 'x'],
      metadata: { b: { d: 3, c: 2 }, a: 1 },
      mode: 'hybrid',
    });
    expect(a).toBe(b);
  });

  it('changes with the mode', () => {
    const hybrid = searchFingerprint({ query: 'q', tags: [], metadata: {}, mode: 'hybrid' });
    const text = searchFingerprint({ query: 'q', tags: [], metadata: {}, mode: 'text' });
    expect(hybrid).not.toBe(text);
  });
});
