import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PolicyError } from '../errors.js';
import { AuthorizationPolicy } from './authorization-policy.js';
import { loadAuthorizationPolicy, parseAuthorizationPolicy } from './parse-authorization-policy.js';

const WEB = 'spiffe://palisade.local/ns/palisade/sa/web';
const CLI = 'spiffe://palisade.local/ns/palisade/sa/palisade-cli';
const GATEKEEPER = 'spiffe://palisade.local/ns/palisade/sa/gatekeeper';
const GET_PROFILE = '/palisade.gatekeeper.v1.UserService/GetProfile';
const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const REAL_POLICY_FILE = fileURLToPath(
  new URL('../../../../services/gatekeeper/policy/authorization.json', import.meta.url),
);

function buildPolicy(rules: unknown, overrides: Record<string, unknown> = {}): unknown {
  return { version: 1, trustDomain: 'palisade.local', rules, ...overrides };
}

function problemsOf(json: unknown): readonly string[] {
  try {
    parseAuthorizationPolicy(json, 'test.json');
  } catch (error) {
    if (error instanceof PolicyError) return error.problems;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('AuthorizationPolicy.isAllowed', () => {
  const policy = parseAuthorizationPolicy(
    buildPolicy([
      { method: GET_PROFILE, allow: [WEB] },
      { method: '/grpc.health.v1.Health/*', allow: [CLI] },
      { method: HEALTH_CHECK, allow: [WEB] },
    ]),
    'test.json',
  );

  it('allows a listed caller', () => {
    expect(policy.isAllowed(GET_PROFILE, WEB)).toBe(true);
  });

  it('denies an unlisted caller', () => {
    expect(policy.isAllowed(GET_PROFILE, GATEKEEPER)).toBe(false);
  });

  it('denies a missing identity', () => {
    expect(policy.isAllowed(GET_PROFILE, undefined)).toBe(false);
    expect(policy.isAllowed(GET_PROFILE, '')).toBe(false);
  });

  it('denies an unknown method', () => {
    expect(policy.isAllowed('/palisade.gatekeeper.v1.UserService/DeleteEverything', WEB)).toBe(
      false,
    );
  });

  it('denies a method differing only in case', () => {
    expect(policy.isAllowed(GET_PROFILE.toLowerCase(), WEB)).toBe(false);
  });

  it('denies a malformed method path', () => {
    expect(policy.isAllowed(`${GET_PROFILE}/`, WEB)).toBe(false);
    expect(policy.isAllowed('/grpc.health.v1.Health/*', CLI)).toBe(false);
  });

  it('grants a whole service through its wildcard', () => {
    expect(policy.isAllowed('/grpc.health.v1.Health/Watch', CLI)).toBe(true);
  });

  it('adds exact and wildcard grants together', () => {
    expect(policy.isAllowed(HEALTH_CHECK, CLI)).toBe(true);
    expect(policy.isAllowed(HEALTH_CHECK, WEB)).toBe(true);
    expect(policy.isAllowed('/grpc.health.v1.Health/Watch', WEB)).toBe(false);
  });

  it('denies everything with no rules', () => {
    const empty = parseAuthorizationPolicy(buildPolicy([]), 'test.json');
    expect(empty.isAllowed(GET_PROFILE, WEB)).toBe(false);
  });

  it('exposes read-only rules', () => {
    expect(policy.trustDomain).toBe('palisade.local');
    expect(policy.version).toBe(1);
    expect(policy.rules[0]).toEqual({ method: GET_PROFILE, allow: [WEB] });
    expect(Object.isFrozen(policy.rules)).toBe(true);
    expect(Object.isFrozen(policy.rules[0]?.allow)).toBe(true);
  });

  it('copies the rules it was given', () => {
    const allow = [WEB];
    const copied = new AuthorizationPolicy('palisade.local', [{ method: GET_PROFILE, allow }]);
    allow.push(GATEKEEPER);

    expect(copied.isAllowed(GET_PROFILE, GATEKEEPER)).toBe(false);
  });
});

describe('parseAuthorizationPolicy', () => {
  it('rejects a non-object document', () => {
    expect(problemsOf([])).toEqual(['$: the policy must be a JSON object']);
  });

  it('rejects unknown keys', () => {
    const json = buildPolicy([{ method: GET_PROFILE, allow: [WEB], deny: [] }], {
      comment: 'x',
      'odd key': 1,
    });
    expect(problemsOf(json)).toEqual([
      '$.comment: unknown key; allowed keys are "version", "trustDomain", "rules"',
      '$["odd key"]: unknown key; allowed keys are "version", "trustDomain", "rules"',
      '$.rules[0].deny: unknown key; allowed keys are "method", "allow"',
    ]);
  });

  it('rejects another version', () => {
    expect(problemsOf(buildPolicy([], { version: 2 }))).toEqual(['$.version: must be 1, found 2']);
  });

  it('rejects an invalid trust domain', () => {
    expect(problemsOf(buildPolicy([], { trustDomain: 'Palisade' }))).toEqual([
      '$.trustDomain: must be a trust domain name such as "palisade.local", found "Palisade"',
    ]);
  });

  it('rejects missing rules', () => {
    expect(problemsOf(buildPolicy(undefined))).toEqual([
      '$.rules: must be an array of rules, found nothing',
    ]);
  });

  it('rejects a rule that is not an object', () => {
    expect(problemsOf(buildPolicy(['GetProfile']))).toEqual([
      '$.rules[0]: must be an object with "method" and "allow"',
    ]);
  });

  it.each([
    'GetProfile',
    '/GetProfile',
    '/UserService/GetProfile',
    'palisade.gatekeeper.v1.UserService/GetProfile',
    '/palisade.gatekeeper.v1.UserService/',
    '/palisade.gatekeeper.v1.UserService/Get*',
    '/palisade.gatekeeper.v1.*/GetProfile',
    '/*',
    '/palisade.gatekeeper.v1.UserService/GetProfile/x',
    '/palisade..v1.UserService/GetProfile',
  ])('rejects method %j', (method) => {
    expect(problemsOf(buildPolicy([{ method, allow: [WEB] }]))).toEqual([
      `$.rules[0].method: must be a gRPC method path "/package.Service/Method" or "/package.Service/*", found ${JSON.stringify(method)}`,
    ]);
  });

  it('rejects a duplicate rule', () => {
    const json = buildPolicy([
      { method: GET_PROFILE, allow: [WEB] },
      { method: HEALTH_CHECK, allow: [WEB] },
      { method: GET_PROFILE, allow: [CLI] },
    ]);
    expect(problemsOf(json)).toEqual([
      `$.rules[2].method: duplicate rule for ${GET_PROFILE}, first at $.rules[0].method`,
    ]);
  });

  it('rejects an empty allow list', () => {
    expect(problemsOf(buildPolicy([{ method: GET_PROFILE, allow: [] }]))).toEqual([
      '$.rules[0].allow: must be a non-empty array of SPIFFE IDs, found an empty array',
    ]);
  });

  it('rejects an invalid SPIFFE ID', () => {
    expect(
      problemsOf(buildPolicy([{ method: GET_PROFILE, allow: ['spiffe://palisade.local/a/../b'] }])),
    ).toEqual([
      '$.rules[0].allow[0]: Invalid SPIFFE ID "spiffe://palisade.local/a/../b": path segments must not be "." or ".."',
    ]);
  });

  it('rejects a SPIFFE ID outside the trust domain', () => {
    const json = buildPolicy([{ method: GET_PROFILE, allow: [WEB, 'spiffe://evil.example/web'] }]);
    expect(problemsOf(json)).toEqual([
      '$.rules[0].allow[1]: spiffe://evil.example/web is outside the trust domain palisade.local',
    ]);
  });

  it('rejects a caller listed twice', () => {
    expect(problemsOf(buildPolicy([{ method: GET_PROFILE, allow: [WEB, WEB] }]))).toEqual([
      `$.rules[0].allow[1]: ${WEB} is listed twice`,
    ]);
  });

  it('rejects a caller that is not a string', () => {
    expect(problemsOf(buildPolicy([{ method: GET_PROFILE, allow: [42] }]))).toEqual([
      '$.rules[0].allow[0]: must be a SPIFFE ID string, found 42',
    ]);
  });

  it('lists every problem at once', () => {
    const json = buildPolicy([{ method: 'bad', allow: 'web' }], { version: 0 });
    const problems = problemsOf(json);

    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^\$\.version:/);
    expect(problems[1]).toMatch(/^\$\.rules\[0\]\.method:/);
    expect(problems[2]).toMatch(/^\$\.rules\[0\]\.allow:/);
  });

  it('names the source and code', () => {
    let caught: unknown;
    try {
      parseAuthorizationPolicy(buildPolicy([], { version: 0 }), 'policy/authorization.json');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(PolicyError);
    expect((caught as PolicyError).code).toBe('POLICY_INVALID');
    expect((caught as PolicyError).message).toBe(
      'Invalid authorization policy policy/authorization.json:\n  - $.version: must be 1, found 0',
    );
  });
});

describe('loadAuthorizationPolicy', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palisade-policy-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the gatekeeper policy file', async () => {
    const policy = await loadAuthorizationPolicy(REAL_POLICY_FILE);
    const file = JSON.parse(await readFile(REAL_POLICY_FILE, 'utf8')) as { rules: unknown[] };

    expect(policy.rules).toHaveLength(file.rules.length);
    expect(policy.isAllowed(GET_PROFILE, WEB)).toBe(true);
    expect(policy.isAllowed('/palisade.gatekeeper.v1.EntryService/SearchEntries', WEB)).toBe(true);
    expect(policy.isAllowed('/palisade.gatekeeper.v1.AdminService/DeleteUserData', WEB)).toBe(true);
    expect(policy.isAllowed(HEALTH_CHECK, CLI)).toBe(true);
    expect(policy.isAllowed(GET_PROFILE, CLI)).toBe(false);
    expect(policy.isAllowed(GET_PROFILE, GATEKEEPER)).toBe(false);
  });

  it('rejects a missing file', async () => {
    const file = join(dir, 'missing.json');
    await expect(loadAuthorizationPolicy(file)).rejects.toMatchObject({
      code: 'POLICY_INVALID',
      problems: ['the file cannot be read (ENOENT)'],
    });
  });

  it('rejects a file that is not JSON', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ "version": 1, ');

    await expect(loadAuthorizationPolicy(file)).rejects.toThrow(/the file is not valid JSON/);
  });

  it('validates the file contents', async () => {
    const file = join(dir, 'invalid.json');
    await writeFile(file, JSON.stringify(buildPolicy([], { version: 3 })));

    await expect(loadAuthorizationPolicy(file)).rejects.toMatchObject({
      source: file,
      problems: ['$.version: must be 1, found 3'],
    });
  });
});
