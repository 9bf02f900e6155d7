import { join } from 'node:path';

import { ManifestError } from './errors.js';
import { setImageTag } from './image-tags.js';
import { repositoryRoot } from './repository-paths.js';

// Usage: node deploy/dist/k8s/set-image-tag.js <environment> <commit-sha>
const [environment, tag] = process.argv.slice(2);
if (environment === undefined || tag === undefined) {
  console.error('usage: set-image-tag <environment> <commit-sha>');
  process.exit(2);
}

try {
  await setImageTag(join(repositoryRoot(), 'deploy', 'k8s', 'image-tags.json'), environment, tag);
} catch (error) {
  if (!(error instanceof ManifestError)) throw error;
  console.error(error.message);
  process.exit(1);
}
