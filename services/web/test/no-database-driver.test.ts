import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The web tier must hold no PostgreSQL primitives: neither in its installed dependency tree nor
 * in an import of its own source.
 */

const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPOSITORY_ROOT = resolve(WEB_ROOT, '../..');
const DATABASE_PACKAGES = [
  'pg',
  'pg-native',
  'postgres',
  '@electric-sql/pglite',
  'node-pg-migrate',
  'pg-pool',
  'pg-protocol',
];

interface DependencyNode {
  readonly dependencies?: Record<string, DependencyNode>;
}

/** Returns the name of every package in the tree, at any depth. */
function packageNames(node: DependencyNode, names = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(node.dependencies ?? {})) {
    if (names.has(name)) continue;
    names.add(name);
    packageNames(child, names);
  }
  return names;
}

/** Returns whether `source` imports or requires `name` or one of its subpaths. */
function importsPackage(source: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const specifier = `['"]${escaped}(/[^'"]*)?['"]`;
  return new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(?\\s*|\\brequire\\s*\\(\\s*)${specifier}`).test(
    source,
  );
}

/** Returns the names of all packages in the installed tree of one workspace. */
async function installedPackages(workspace: string): Promise<Set<string>> {
  // npm ls exits non-zero on unrelated tree problems (such as an extraneous package), but
  // still prints the whole tree, so the output is read either way.
  const { stdout } = await promisify(execFile)(
    'npm',
    ['ls', '--workspace', workspace, '--all', '--json'],
    { cwd: REPOSITORY_ROOT, maxBuffer: 64 * 1024 * 1024 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const tree = JSON.parse(stdout) as DependencyNode;
  const root = tree.dependencies?.[workspace];
  if (root === undefined) throw new Error(`npm ls output has no ${workspace} entry`);
  return packageNames(root);
}

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('web dependency tree', () => {
  let names: Set<string>;

  beforeAll(async () => {
    names = await installedPackages('@palisade/web');
  }, 60_000);

  it('is read from npm with nested packages', () => {
    // The tree must be real for the checks below to mean anything.
    expect(names.has('fastify')).toBe(true);
    expect(names.has('@peculiar/x509')).toBe(true);
  });

  it('walk finds pg in a workspace that has it', async () => {
    // @palisade/testkit depends on pg, so the same walk must report it there.
    expect((await installedPackages('@palisade/testkit')).has('pg')).toBe(true);
  }, 60_000);

  it.each(DATABASE_PACKAGES)('does not contain %s', (name) => {
    expect(names.has(name)).toBe(false);
  });
});

describe('web source imports', () => {
  it.each(DATABASE_PACKAGES)('never import %s', async (name) => {
    const files = await sourceFiles(join(WEB_ROOT, 'src'));
    expect(files.length).toBeGreaterThan(0);

    const offenders: string[] = [];
    for (const file of files) {
      if (importsPackage(await readFile(file, 'utf8'), name)) {
        offenders.push(relative(WEB_ROOT, file));
      }
    }
    expect(offenders).toEqual([]);
  });

  it.each([
    "import pg from 'pg';",
    'import { Pool } from "pg";',
    "import 'pg';",
    "const { Client } = await import('pg');",
    "const pg = require('pg');",
    "export { Pool } from 'pg/lib/index.js';",
  ])('import check detects %s', (source) => {
    expect(importsPackage(source, 'pg')).toBe(true);
  });

  it('import check ignores other packages', () => {
    expect(importsPackage("import pino from 'pino';", 'pg')).toBe(false);
    expect(importsPackage("import x from 'pg-lite-fake';", 'pg')).toBe(false);
  });
});
