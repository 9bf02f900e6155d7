import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

import { runtimeVersions } from '../aws/runtime-versions.js';
import { repositoryRoot } from '../k8s/repository-paths.js';

const root = repositoryRoot();
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

const dockerfiles = {
  gatekeeper: 'services/gatekeeper/Dockerfile',
  web: 'services/web/Dockerfile',
  edge: 'services/edge/Dockerfile',
  inventory: 'services/inventory/Dockerfile',
  cli: 'packages/cli/Dockerfile',
};

/** Returns the instructions of the last stage, which becomes the image. */
function finalStage(dockerfile: string): string[] {
  const lines = dockerfile
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const lastFrom = lines.map((line) => line.startsWith('FROM ')).lastIndexOf(true);
  return lines.slice(lastFrom);
}

describe.each(Object.entries(dockerfiles))('%s Dockerfile', (_name, path) => {
  const dockerfile = read(path);

  it('builds in stages', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/^FROM --platform=\$BUILDPLATFORM /m);
  });

  it('runs a small non-root image', () => {
    const stage = finalStage(dockerfile);
    expect(stage[0]).toMatch(
      new RegExp(`^FROM gcr\\.io/distroless/nodejs${runtimeVersions.node}-debian12:nonroot`),
    );
    expect(stage).toContain('USER 65532:65532');
    expect(stage.some((line) => line.startsWith('HEALTHCHECK'))).toBe(true);
  });

  it('ships no dev dependencies', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const stage = finalStage(dockerfile);
    expect(stage.filter((line) => line.startsWith('COPY'))).toEqual([
      'COPY --from=dependencies /app/ ./',
    ]);
  });

  it('pins the Node.js version', () => {
    expect(dockerfile).toMatch(
      new RegExp(`^ARG NODE_VERSION=${runtimeVersions.node}\\.\\d+\\.\\d+$`, 'm'),
    );
    expect(dockerfile).not.toMatch(/:latest\b/);
  });
});

describe('service health checks', () => {
  it('check each service port', () => {
    expect(read(dockerfiles.web)).toMatch(/HEALTHCHECK[^\n]*\n\s+CMD .*api\/healthz/);
    expect(read(dockerfiles.gatekeeper)).toMatch(/HEALTHCHECK[^\n]*\n\s+CMD .*connect\(50051/);
    expect(read(dockerfiles.edge)).toMatch(/HEALTHCHECK[^\n]*\n\s+CMD .*8080\/healthz/);
    expect(read(dockerfiles.inventory)).toMatch(
      /HEALTHCHECK[^\n]*\n\s+CMD .*process\.env\.METRICS_PORT \?\? 9467\}\/healthz/,
    );
  });
});

describe('.dockerignore', () => {
  it('keeps secrets and local state out', () => {
    const entries = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '.palisade', '.git', '.env', '**/dist']) {
      expect(entries).toContain(entry);
    }
  });
});

describe('development container', () => {
  const devcontainer = JSON.parse(read('.devcontainer/devcontainer.json')) as Record<
    string,
    string
  >;
  const compose = parse(read('.devcontainer/compose.yaml')) as {
    services: Record<string, { image: string }>;
  };
  const ci = parse(read('.github/workflows/ci.yml')) as {
    jobs: { test: { services: Record<string, { image: string }> } };
  };

  it('uses the compose services', () => {
    expect(devcontainer.dockerComposeFile).toBe('compose.yaml');
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'redis', 'workspace']);
  });

  it('mirrors the production runtimes', () => {
    expect(compose.services.workspace?.image).toMatch(
      new RegExp(`-${runtimeVersions.node}-bookworm$`),
    );
    for (const services of [compose.services, ci.jobs.test.services]) {
      expect(services.postgres?.image).toBe(`postgres:${runtimeVersions.postgres}-bookworm`);
      const redisMajor = runtimeVersions.redis.split('.')[0] as string;
      expect(services.redis?.image).toMatch(new RegExp(`^redis:${redisMajor}\\.\\d+-bookworm$`));
    }
  });
});
