import type { ConfigOptions } from '@palisade/config';

/** One rule of `loadConfig`'s `forbidden` option. */
export type ForbiddenVariable = NonNullable<ConfigOptions['forbidden']>[number];

/**
 * The variable that switches every Palisade service to production mode, when it equals
 * `production`. It is the Node.js convention, which Fastify and other libraries also read.
 */
export const productionModeVariable = 'NODE_ENV';

/** Tells whether `env` runs a service in production mode (`NODE_ENV=production`). */
export function isProductionMode(env: NodeJS.ProcessEnv): boolean {
  return env[productionModeVariable] === 'production';
}

const FILE_REASON =
  'production mode reads secrets only from files, so mount the secret as a file and set the ' +
  'matching *_FILE variable instead';

/**
 * Names of variables that contain a secret value. A name ending in `_FILE` contains a path, so
 * it never matches.
 * `PGPASSWORD` is included because libpq and `pg` read it.
 */
const SECRET_VARIABLE =
  /(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|CLIENT_KEY|COOKIE_KEYS?|SESSION_KEYS?|SIGNING_KEYS?)$/;

const rules: readonly ForbiddenVariable[] = [
  {
    pattern: /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/,
    reason:
      'static AWS keys are refused in production mode: give the service account an IAM role ' +
      '(AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)',
  },
  { pattern: SECRET_VARIABLE, reason: FILE_REASON },
];

/**
 * Returns the `forbidden` rules of `loadConfig` that refuse plain secret values in production
 * mode, and none outside it, where development defaults may be given directly.
 */
export function productionSecretRules(env: NodeJS.ProcessEnv): readonly ForbiddenVariable[] {
  return isProductionMode(env) ? rules : [];
}

/**
 * Returns every production-mode secret problem of `env`, in the wording of `loadConfig`'s
 * `forbidden` option: plain secret variables and URLs with a password. It is empty outside
 * production mode. Unlike the `forbidden` option, it leaves the rest of the configuration
 * loadable, so a service can list these problems next to its other ones.
 */
export function productionSecretProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const active = productionSecretRules(env);
  for (const name of Object.keys(env).sort()) {
    const rule = active.find(({ pattern }) => pattern.test(name));
    if (rule) problems.push(`${name} must not be set: ${rule.reason}`);
  }
  return [...problems, ...embeddedPasswordProblems(env)];
}

/**
 * Returns one problem for each variable whose value is a URL with a password in it, such as
 * `postgres://user:secret@host/db` or `rediss://:secret@host`, in production mode. The problem
 * names the variable but never repeats its value.
 */
export function embeddedPasswordProblems(env: NodeJS.ProcessEnv): string[] {
  if (!isProductionMode(env)) return [];

  const problems: string[] = [];
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
    if (!URL.canParse(value) || new URL(value).password === '') continue;
    problems.push(
      `${name} contains a password in its URL, which production mode refuses: remove it and ` +
        'use IAM authentication or a *_FILE variable instead',
    );
  }
  return problems;
}
