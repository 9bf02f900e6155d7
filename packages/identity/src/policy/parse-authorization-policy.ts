import { readFile } from 'node:fs/promises';

import { InvalidSpiffeIdError, PolicyError, quoteValue } from '../errors.js';
import { isValidTrustDomain, parseSpiffeId } from '../spiffe.js';
import { AuthorizationPolicy, type AuthorizationRule } from './authorization-policy.js';
import { isMethodPath, isServiceWildcard } from './method-path.js';

const SUPPORTED_VERSION = 1;
const POLICY_KEYS = ['version', 'trustDomain', 'rules'];
const RULE_KEYS = ['method', 'allow'];

/**
 * Validates a parsed authorisation policy document and builds the policy.
 *
 * The document has the form
 * `{ "version": 1, "trustDomain": "palisade.local", "rules": [{ "method": "/pkg.Service/Method",
 * "allow": ["spiffe://palisade.local/ns/palisade/sa/web"] }] }`.
 * `method` is a full gRPC method path, or `/pkg.Service/*` to grant every method of one service.
 * No other wildcard exists. Each method appears in one rule only, and every allowed SPIFFE ID
 * must belong to `trustDomain`.
 *
 * @param source names the document in error messages, usually its file path.
 * @throws {PolicyError} listing every problem with its JSON path, such as `$.rules[0].method`.
 */
export function parseAuthorizationPolicy(json: unknown, source: string): AuthorizationPolicy {
  const problems: string[] = [];

  if (!isPlainObject(json)) {
    throw new PolicyError(source, ['$: the policy must be a JSON object']);
  }
  checkKeys(json, POLICY_KEYS, '$', problems);

  if (json.version !== SUPPORTED_VERSION) {
    problems.push(`$.version: must be ${SUPPORTED_VERSION}, found ${describeValue(json.version)}`);
  }

  const trustDomain = json.trustDomain;
  const trustDomainValid = typeof trustDomain === 'string' && isValidTrustDomain(trustDomain);
  if (!trustDomainValid) {
    problems.push(
      `$.trustDomain: must be a trust domain name such as "palisade.local", found ${describeValue(trustDomain)}`,
    );
  }

  const rules = parseRules(json.rules, trustDomainValid ? trustDomain : undefined, problems);
  if (problems.length > 0) throw new PolicyError(source, problems);

  return new AuthorizationPolicy(trustDomain as string, rules);
}

/**
 * Reads, parses and validates the authorisation policy file `file`.
 *
 * @throws {PolicyError} when the file cannot be read, is not JSON, or breaks the policy format.
 */
export async function loadAuthorizationPolicy(file: string): Promise<AuthorizationPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new PolicyError(file, [`the file cannot be read (${reason})`], { cause });
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new PolicyError(file, [`the file is not valid JSON: ${(cause as Error).message}`], {
      cause,
    });
  }

  return parseAuthorizationPolicy(json, file);
}

function parseRules(
  value: unknown,
  trustDomain: string | undefined,
  problems: string[],
): AuthorizationRule[] {
  if (!Array.isArray(value)) {
    problems.push(`$.rules: must be an array of rules, found ${describeValue(value)}`);
    return [];
  }

  const rules: AuthorizationRule[] = [];
  const firstPathOfMethod = new Map<string, string>();
  value.forEach((entry: unknown, index) => {
    const path = `$.rules[${index}]`;
    if (!isPlainObject(entry)) {
      problems.push(`${path}: must be an object with "method" and "allow"`);
      return;
    }
    checkKeys(entry, RULE_KEYS, path, problems);

    const method = parseMethod(entry.method, `${path}.method`, problems);
    if (method !== undefined) {
      const firstPath = firstPathOfMethod.get(method);
      if (firstPath === undefined) firstPathOfMethod.set(method, `${path}.method`);
      else problems.push(`${path}.method: duplicate rule for ${method}, first at ${firstPath}`);
    }

    const allow = parseAllow(entry.allow, `${path}.allow`, trustDomain, problems);
    if (method !== undefined) rules.push({ method, allow });
  });

  return rules;
}

function parseMethod(value: unknown, path: string, problems: string[]): string | undefined {
  if (typeof value === 'string' && (isMethodPath(value) || isServiceWildcard(value))) return value;

  problems.push(
    `${path}: must be a gRPC method path "/package.Service/Method" or "/package.Service/*", found ${describeValue(value)}`,
  );
  return undefined;
}

function parseAllow(
  value: unknown,
  path: string,
  trustDomain: string | undefined,
  problems: string[],
): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(
      `${path}: must be a non-empty array of SPIFFE IDs, found ${describeValue(value)}`,
    );
    return [];
  }

  const allow: string[] = [];
  value.forEach((entry: unknown, index) => {
    const entryPath = `${path}[${index}]`;
    const problem = findCallerProblem(entry, trustDomain);
    if (problem !== undefined) {
      problems.push(`${entryPath}: ${problem}`);
    } else if (allow.includes(entry as string)) {
      problems.push(`${entryPath}: ${entry as string} is listed twice`);
    } else {
      allow.push(entry as string);
    }
  });

  return allow;
}

function findCallerProblem(value: unknown, trustDomain: string | undefined): string | undefined {
  if (typeof value !== 'string') return `must be a SPIFFE ID string, found ${describeValue(value)}`;

  let spiffeTrustDomain: string;
  try {
    spiffeTrustDomain = parseSpiffeId(value).trustDomain;
  } catch (error) {
    if (error instanceof InvalidSpiffeIdError) return error.message;
    throw error;
  }

  if (trustDomain !== undefined && spiffeTrustDomain !== trustDomain) {
    return `${value} is outside the trust domain ${trustDomain}`;
  }
  return undefined;
}

function checkKeys(
  object: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  problems: string[],
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      const keyPath = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
        ? `${path}.${key}`
        : `${path}[${JSON.stringify(key)}]`;
      const allowedList = allowed.map((name) => `"${name}"`).join(', ');
      problems.push(`${keyPath}: unknown key; allowed keys are ${allowedList}`);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return quoteValue(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return JSON.stringify(value) ?? typeof value;
}
