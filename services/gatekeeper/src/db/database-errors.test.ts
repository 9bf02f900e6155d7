import { describe, expect, it } from 'vitest';

import { GatekeeperError } from '../errors.js';
import { translateDatabaseError } from './database-errors.js';

function withCode(code: string): Error {
  return Object.assign(new Error('relation "app.users" does not exist: SELECT * FROM app.users'), {
    code,
  });
}

describe('translateDatabaseError', () => {
  it.each([
    ['08006', 'UNAVAILABLE'],
    ['53300', 'UNAVAILABLE'],
    ['57P01', 'UNAVAILABLE'],
    ['ECONNREFUSED', 'UNAVAILABLE'],
    ['57014', 'DEADLINE_EXCEEDED'],
    ['40001', 'UNAVAILABLE'],
    ['22P05', 'INVALID_ARGUMENT'],
  ])('maps %s to %s', (code, expected) => {
    expect(translateDatabaseError(withCode(code))?.code).toBe(expected);
  });

  it('keeps the server message out of the safe message', () => {
    const translated = translateDatabaseError(withCode('08006'));
    expect(translated?.message).not.toContain('SELECT');
    expect(translated?.cause).toBeInstanceOf(Error);
  });

  it('leaves unknown SQL errors for the INTERNAL path', () => {
    expect(translateDatabaseError(withCode('42P01'))).toBeUndefined();
  });

  it('passes a GatekeeperError through', () => {
    const error = new GatekeeperError('NOT_FOUND', 'user x not found');
    expect(translateDatabaseError(error)).toBe(error);
  });
});
