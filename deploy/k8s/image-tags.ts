import { readFile, writeFile } from 'node:fs/promises';

import { environmentNames, type EnvironmentName } from './environments.js';
import { ManifestError } from './errors.js';
import { imageReference } from './image-reference.js';

/**
 * Sets the image tag of one environment in the tags file (image-tags.json), which the manifests
 * read at synthesis. The CD workflow calls it with the commit SHA it deploys.
 *
 * @throws {ManifestError} `IMAGE_TAG_MUTABLE` for a tag that is not a commit SHA or digest, or
 * `ENVIRONMENT_UNKNOWN` for an environment other than those in `environmentNames`.
 */
export async function setImageTag(file: string, environment: string, tag: string): Promise<void> {
  if (!environmentNames.includes(environment as EnvironmentName)) {
    throw new ManifestError(
      'ENVIRONMENT_UNKNOWN',
      `Unknown environment ${JSON.stringify(environment)}: use one of ${environmentNames.join(', ')}`,
    );
  }
  imageReference('registry', 'image', tag);

  const tags = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  tags[environment] = tag;
  await writeFile(file, `${JSON.stringify(tags, null, 2)}\n`);
}
