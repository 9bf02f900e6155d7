import { timingSafeEqual } from 'node:crypto';

/** A seeded end user of the development IdP. */
export interface DevelopmentAccount {
  /** Login name, also the development password. */
  readonly username: string;
  /** Stable `sub` claim, fixed so that data seeded for a user survives restarts. */
  readonly subject: string;
  /** Values of the `roles` access token claim. */
  readonly roles: readonly string[];
  readonly name: string;
  readonly email: string;
}

/**
 * Users of the development IdP. Each one's password equals its username:
 * these accounts exist for local development and tests only, and an IdP
 * serving real users takes its accounts from the enterprise directory.
 */
export const developmentAccounts: readonly DevelopmentAccount[] = Object.freeze([
  {
    username: 'alice',
    subject: '6f0b5c1e-3a7d-4c2b-9e51-2d8f4a6b7c01',
    roles: ['user'],
    name: 'Alice Example',
    email: 'alice@example.test',
  },
  {
    username: 'bob',
    subject: '9a3e7d24-5b1c-4f8e-a2d6-7c4b1e9f3a02',
    roles: ['user'],
    name: 'Bob Example',
    email: 'bob@example.test',
  },
  {
    username: 'admin',
    subject: 'c4d2e8f1-7a6b-4e3c-8d9f-1b5a2c7e4f03',
    roles: ['admin'],
    name: 'Admin Example',
    email: 'admin@example.test',
  },
]);

/** Returns the account with this username, or undefined. */
export function findAccountByUsername(username: string): DevelopmentAccount | undefined {
  return developmentAccounts.find((account) => account.username === username);
}

/** Returns the account with this subject (`sub`), or undefined. */
export function findAccountBySubject(subject: string): DevelopmentAccount | undefined {
  return developmentAccounts.find((account) => account.subject === subject);
}

/**
 * Checks a username and password against the seeded accounts and returns the
 * account on success. The password comparison takes constant time.
 */
export function authenticate(username: string, password: string): DevelopmentAccount | undefined {
  const account = findAccountByUsername(username);
  if (!account) return undefined;

  const expected = Buffer.from(account.username);
  const given = Buffer.from(password);
  if (expected.length !== given.length) return undefined;

  return timingSafeEqual(expected, given) ? account : undefined;
}
