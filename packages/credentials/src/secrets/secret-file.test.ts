import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CredentialError } from '../errors.js';
import { SecretFile } from './secret-file.js';

describe('SecretFile', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-secret-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const secretAt = (name: string, onChange?: () => void) =>
    new SecretFile(
      { path: join(folder, name), variable: 'DATABASE_PASSWORD_FILE' },
      onChange ? { onChange } : {},
    );

  it('reads the value without its trailing line break', async () => {
    await writeFile(join(folder, 'password'), 'first-secret\n');
    const secret = secretAt('password');
    expect(await secret.read()).toBe('first-secret');
    expect(secret.readSync()).toBe('first-secret');
  });

  it('returns the rotated value on the next read', async () => {
    const changes: string[] = [];
    const secret = secretAt('password', () => changes.push('changed'));
    await writeFile(join(folder, 'password'), 'first-secret');
    expect(await secret.read()).toBe('first-secret');

    // A Kubernetes volume swaps a symlink; a rename is the same atomic replacement.
    await writeFile(join(folder, 'next'), 'second-secret');
    await rename(join(folder, 'next'), join(folder, 'password'));
    expect(await secret.read()).toBe('second-secret');
    expect(changes).toEqual(['changed']);
  });

  it('names the variable and path of a missing file', async () => {
    const error = await secretAt('missing')
      .read()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).code).toBe('SECRET_FILE_UNREADABLE');
    expect((error as CredentialError).message).toContain('DATABASE_PASSWORD_FILE=');
    expect((error as CredentialError).message).toContain('ENOENT');
  });

  it('rejects an empty file', async () => {
    await writeFile(join(folder, 'password'), '\n');
    expect(() => secretAt('password').readSync()).toThrow(
      expect.objectContaining({ code: 'SECRET_FILE_EMPTY' }),
    );
  });
});
