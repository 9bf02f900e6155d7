import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { setImageTag } from './image-tags.js';

const OLD = '0'.repeat(40);
const NEW = '1234567890abcdef1234567890abcdef12345678';

describe('setImageTag', () => {
  let folder: string;
  let file: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-tags-'));
    file = join(folder, 'image-tags.json');
    await writeFile(file, JSON.stringify({ dev: OLD, prod: OLD }));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('updates one environment', async () => {
    await setImageTag(file, 'dev', NEW);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ dev: NEW, prod: OLD });
  });

  it('rejects a mutable tag', async () => {
    await expect(setImageTag(file, 'prod', 'latest')).rejects.toMatchObject({
      code: 'IMAGE_TAG_MUTABLE',
    });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ dev: OLD, prod: OLD });
  });

  it('rejects an unknown environment', async () => {
    await expect(setImageTag(file, 'staging', NEW)).rejects.toMatchObject({
      code: 'ENVIRONMENT_UNKNOWN',
    });
  });
});
