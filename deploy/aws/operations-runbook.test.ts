import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { repositoryRoot } from '../k8s/repository-paths.js';

const runbook = readFileSync(join(repositoryRoot(), 'docs', 'operations.md'), 'utf8');

describe('operations runbook', () => {
  const rows = runbook
    .split('\n')
    .filter((line) => /^\| \d+\. /.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()));

  it('gives RPO and RTO per scenario', () => {
    expect(runbook).toContain('| scenario | RPO | RTO (estimate) |');
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const [, scenario, rpo, rto] of rows) {
      expect(rpo, scenario).not.toBe('');
      expect(rto, scenario).not.toBe('');
    }
  });

  it('has a procedure for each scenario', () => {
    for (const [, scenario] of rows) {
      const number = scenario?.split('.')[0] as string;
      expect(runbook, scenario).toMatch(new RegExp(`^### ${number}\\. `, 'm'));
    }
  });
});
