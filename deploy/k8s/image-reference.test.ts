import { describe, expect, it } from 'vitest';

import { ManifestError } from './errors.js';
import { imageReference } from './image-reference.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const DIGEST = `sha256:${'a'.repeat(64)}`;

function errorOf(version: string): ManifestError {
  try {
    imageReference('registry.example/palisade', 'web', version);
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error(`expected ${version} to be rejected`);
}

describe('imageReference', () => {
  it('tags with a commit SHA', () => {
    expect(imageReference('registry.example/palisade', 'web', SHA)).toBe(
      `registry.example/palisade/web:${SHA}`,
    );
  });

  it('pins a digest', () => {
    expect(imageReference('registry.example/palisade', 'web', DIGEST)).toBe(
      `registry.example/palisade/web@${DIGEST}`,
    );
  });

  it.each([
    'latest',
    'main',
    'v1.2.3',
    SHA.slice(0, 7),
    SHA.toUpperCase(),
    `${SHA}0`,
    'sha256:abc',
    '',
  ])('rejects mutable tag %j', (version) => {
    const error = errorOf(version);
    expect(error.code).toBe('IMAGE_TAG_MUTABLE');
    expect(error.message).toContain(JSON.stringify(version));
  });
});
