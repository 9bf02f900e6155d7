import { describe, expect, it } from 'vitest';

import { authenticate, developmentAccounts, findAccountBySubject } from './accounts.js';

describe('developmentAccounts', () => {
  it('has unique subjects', () => {
    const subjects = new Set(developmentAccounts.map((account) => account.subject));

    expect(subjects.size).toBe(developmentAccounts.length);
  });

  it('uses UUIDs as subjects', () => {
    for (const account of developmentAccounts) {
      expect(account.subject).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('seeds alice, bob and admin with their roles', () => {
    const roles = Object.fromEntries(developmentAccounts.map((a) => [a.username, a.roles]));

    expect(roles).toEqual({ alice: ['user'], bob: ['user'], admin: ['admin'] });
  });

  it('finds an account by subject', () => {
    const [first] = developmentAccounts;

    expect(findAccountBySubject(first?.subject ?? '')).toBe(first);
  });
});

describe('authenticate', () => {
  it('accepts the development password', () => {
    expect(authenticate('alice', 'alice')?.username).toBe('alice');
  });

  it('rejects a wrong password', () => {
    expect(authenticate('alice', 'bob')).toBeUndefined();
  });

  it('rejects a password of another length', () => {
    expect(authenticate('alice', 'alice2')).toBeUndefined();
  });

  it('rejects an unknown user', () => {
    expect(authenticate('mallory', 'mallory')).toBeUndefined();
  });
});
