import { type Static, type TObject } from 'typebox';
import { Value } from 'typebox/value';

/** Thrown when a service's environment does not match its configuration schema. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';

  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`${service}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigOptions {
  /**
   * Variables this service must never receive, each with the reason. A match
   * is a start-up error, so a secret meant for another tier is never accepted.
   */
  readonly forbidden?: readonly { readonly pattern: RegExp; readonly reason: string }[];
}

/**
 * Reads a service's configuration from environment variables.
 *
 * Each property of `schema` is one variable, named as in the environment and
 * documented by its `description`. Strings are converted to the declared
 * types and defaults filled in; every problem is collected into one
 * {@link ConfigError}, so an operator fixes them all in one pass.
 */
export function loadConfig<S extends TObject>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
  options: ConfigOptions = {},
): Static<S> {
  const problems: string[] = [];

  for (const name of Object.keys(env).sort()) {
    const rule = options.forbidden?.find(({ pattern }) => pattern.test(name));
    if (rule) problems.push(`${name} must not be set: ${rule.reason}`);
  }

  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const value = Value.Default(schema, Value.Convert(schema, raw));

  for (const error of Value.Errors(schema, value)) {
    if (error.keyword === 'required') {
      const missing = error.params.requiredProperties;
      for (const name of missing) problems.push(`${name} is missing: set it in the environment`);
    } else {
      problems.push(describeError(error.instancePath, error.message, value));
    }
  }
  if (problems.length > 0) throw new ConfigError(service, problems);

  return value as Static<S>;
}

function describeError(instancePath: string, message: string, value: unknown): string {
  const name = instancePath.replace(/^\//, '');
  if (name === '') return message;

  const actual = (value as Record<string, unknown>)[name];
  return `${name}=${JSON.stringify(actual)} is invalid: it ${message}`;
}

/** Checks that {@link loadCheckedConfig} runs besides the schema. */
export interface ConfigChecks<Config> {
  /** Problems of the environment itself, listed even when the schema rejects it. */
  readonly environment?: readonly string[];
  /** Problems between settings that a schema cannot express; run once the schema accepts. */
  readonly settings?: (config: Config) => readonly string[];
}

/**
 * Reads a service's configuration like {@link loadConfig} and runs `checks` too, so one
 * {@link ConfigError} lists the schema's problems next to the cross-setting ones.
 */
export function loadCheckedConfig<S extends TObject>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv,
  checks: ConfigChecks<Static<S>>,
  options: ConfigOptions = {},
): Static<S> {
  let config: Static<S> | undefined;
  let problems: readonly string[] = [];
  try {
    config = loadConfig(service, schema, env, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }

  const allProblems = [
    ...problems,
    ...(checks.environment ?? []),
    ...(config === undefined ? [] : (checks.settings?.(config) ?? [])),
  ];
  if (config === undefined || allProblems.length > 0) throw new ConfigError(service, allProblems);
  return config;
}
