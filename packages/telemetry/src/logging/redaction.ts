/**
 * Log paths whose values pino replaces before writing, because they can hold
 * credentials. Services add their own paths on top.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'clientSecret',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  '*.clientSecret',
  // ioredis attaches the failed command to its errors, and AUTH's arguments are credentials.
  'err.command.args',
  'error.command.args',
];

export const redactionCensor = '[redacted]';

/** A path `*.name`: the property `name` of any top-level field. */
const anyFieldsProperty = /^\*\.([A-Za-z_$][\w$]*)$/;

/** Redacted paths split by who applies them: {@link redactProperties} or pino. */
export interface RedactionPlan {
  /** Names from the `*.name` paths. */
  readonly fieldPropertyNames: readonly string[];
  /** Every other path, for pino's `redact` option. */
  readonly pinoPaths: readonly string[];
}

/**
 * Takes the `*.name` paths away from pino. pino runs a path that starts with `*` on every value
 * of every line, strings and numbers too, and parses each such path again on each run: that
 * was a quarter of the gatekeeper's allocations per call. {@link redactProperties} does the same
 * job as a check of own properties that allocates nothing while there is nothing to redact.
 */
export function planRedaction(paths: readonly string[]): RedactionPlan {
  const fieldPropertyNames: string[] = [];
  const pinoPaths: string[] = [];
  for (const path of paths) {
    const name = anyFieldsProperty.exec(path)?.[1];
    if (name === undefined) pinoPaths.push(path);
    else if (!fieldPropertyNames.includes(name)) fieldPropertyNames.push(name);
  }
  return { fieldPropertyNames, pinoPaths };
}

/**
 * Returns `fields` with each own property in `names` of each top-level object replaced by
 * {@link redactionCensor}, as pino's `*.name` paths do. A field that needs it is replaced by a
 * copy, with the same prototype, so an error stays an error for the serializer; the caller's
 * objects are never changed. Returns `fields` itself when nothing needs redacting.
 */
export function redactProperties(
  fields: Record<string, unknown>,
  names: readonly string[],
): Record<string, unknown> {
  let redacted: Record<string, unknown> | undefined;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    // JSON leaves out named properties of an array, so only other objects can show one.
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    if (!names.some((name) => Object.hasOwn(value, name))) continue;
    redacted ??= { ...fields };
    redacted[key] = censoredCopy(value, names);
  }
  return redacted ?? fields;
}

function censoredCopy(value: object, names: readonly string[]): object {
  const descriptors = Object.getOwnPropertyDescriptors(value);
  for (const name of names) {
    const descriptor = descriptors[name];
    if (descriptor === undefined) continue;
    // A data property in place of a getter, so the copy never runs the original's code.
    descriptors[name] = {
      value: redactionCensor,
      enumerable: descriptor.enumerable ?? false,
      writable: true,
      configurable: true,
    };
  }
  return Object.create(Object.getPrototypeOf(value) as object | null, descriptors) as object;
}
