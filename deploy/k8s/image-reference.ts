import { ManifestError } from './errors.js';

const COMMIT_SHA = /^[0-9a-f]{40}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Builds the reference of a service image pinned to an immutable version: a 40-character commit
 * SHA tag (CI tags every image with the commit it built, and the registry refuses to overwrite a
 * tag) or a `sha256:` digest. Moving tags such as `latest`, `main` or `v1` are rejected, because
 * a pod restarted later would silently run other code.
 *
 * @throws {ManifestError} `IMAGE_TAG_MUTABLE` naming the tag.
 */
export function imageReference(registry: string, image: string, version: string): string {
  if (COMMIT_SHA.test(version)) return `${registry}/${image}:${version}`;
  if (DIGEST.test(version)) return `${registry}/${image}@${version}`;

  throw new ManifestError(
    'IMAGE_TAG_MUTABLE',
    `Image tag ${JSON.stringify(version)} of ${image} is not immutable: ` +
      'use the 40-character commit SHA that CI tagged the image with, or a sha256: digest',
  );
}
