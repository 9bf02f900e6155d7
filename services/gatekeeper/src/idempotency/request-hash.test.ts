import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';

import { GatekeeperError } from '../errors.js';
import { idempotencyKeyOf } from './idempotency-key.js';
import { canonicalJson, requestHash } from './request-hash.js';

describe('canonicalJson', () => {
  it('sorts object keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });

  it('leaves out undefined members', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });

  it('writes dates as ISO strings', () => {
    expect(canonicalJson(new Date('2025-01-02T03:04:05.000Z'))).toBe('"2025-01-02T03:04:05.000Z"');
  });
});

describe('requestHash', () => {
  it('hashes equal requests alike whatever their key order', () => {
    expect(requestHash('UpdateProfile', { a: 1, b: 2 })).toBe(
      requestHash('UpdateProfile', { b: 2, a: 1 }),
    );
  });

  it('tells requests with other content apart', () => {
    expect(requestHash('UpdateProfile', { a: 1 })).not.toBe(requestHash('UpdateProfile', { a: 2 }));
  });

  it('tells the same request to another method apart', () => {
    expect(requestHash('UpdateProfile', { a: 1 })).not.toBe(
      requestHash('DeleteUserData', { a: 1 }),
    );
  });
});

describe('idempotencyKeyOf', () => {
  function metadataWith(...values: string[]): Metadata {
    const metadata = new Metadata();
    for (const value of values) metadata.add('idempotency-key', value);
    return metadata;
  }

  it('returns undefined without the entry', () => {
    expect(idempotencyKeyOf(new Metadata())).toBeUndefined();
  });

  it('returns a valid key', () => {
    expect(idempotencyKeyOf(metadataWith('8e03978e-40d5-43e8-bc93-6894a57f9324'))).toBe(
      '8e03978e-40d5-43e8-bc93-6894a57f9324',
    );
  });

  it.each([['has space'], ['x'.repeat(256)], ['']])('rejects %j', (value) => {
    expect(() => idempotencyKeyOf(metadataWith(value))).toThrow(GatekeeperError);
  });

  it('rejects a repeated entry', () => {
    expect(() => idempotencyKeyOf(metadataWith('one', 'two'))).toThrow(
      'idempotency-key metadata is invalid',
    );
  });
});
