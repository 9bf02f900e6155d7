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

/** Redacted paths split by who applies them: {@link PropertyRedaction} or pino. */
export interface RedactionPlan {
  /** Names from the `*.name` paths. */
  readonly fieldPropertyNames: readonly string[];
  /** Every other path, for pino's `redact` option. */
  readonly pinoPaths: readonly string[];
}

/**
 * Takes the `*.name` paths away from pino. pino runs a path that starts with `*` on every value
 * of every line, strings and numbers too, and parses each such path again on each run: that
 * was a quarter of the gatekeeper's allocations per call. {@link PropertyRedaction} does the same
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
 * Redaction of the `*.name` paths: the own properties in `names` of each top-level object of a
 * line are replaced by {@link redactionCensor}, as pino's paths do. An object that needs it is
 * replaced by a copy with the same prototype, so an error stays an error for its serializer, and
 * the caller's objects are never changed. Each method returns its input itself when nothing
 * needs redacting.
 */
export class PropertyRedaction {
  readonly #names: readonly string[];
  /** Wrapped serializers by original, because pino gets the same ones for every child. */
  readonly #serializers = new WeakMap<object, (value: never) => unknown>();

  constructor(names: readonly string[]) {
    this.#names = names;
  }

  /** Redacts each top-level value of `fields`: a line's fields or a logger's bindings. */
  fields(fields: Record<string, unknown>): Record<string, unknown> {
    let redacted: Record<string, unknown> | undefined;
    for (const key in fields) {
      if (!Object.hasOwn(fields, key)) continue;
      const value = fields[key];
      const censored = this.value(value);
      if (censored === value) continue;
      redacted ??= { ...fields };
      redacted[key] = censored;
    }
    return redacted ?? fields;
  }

  /** Redacts one top-level value, such as a serializer's output or a message object. */
  value(value: unknown): unknown {
    // JSON leaves out named properties of an array, so only other objects can show one.
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    if (!this.#names.some((name) => Object.hasOwn(value, name))) return value;
    return censoredCopy(value, this.#names);
  }

  /**
   * Redacts a value interpolated into the message (`%o`, `%O`, `%j`), whose own top-level
   * values, or elements for an array, take the place of a line's fields.
   */
  argument(value: unknown): unknown {
    if (!Array.isArray(value)) {
      if (typeof value !== 'object' || value === null) return value;
      const fields = value as Record<string, unknown>;
      const redacted = this.fields(fields);
      if (redacted === fields) return value;
      // The same prototype, so a toJSON that leaves fields out still does.
      return Object.create(
        Object.getPrototypeOf(value) as object | null,
        Object.getOwnPropertyDescriptors(redacted),
      ) as unknown;
    }
    const elements = value.map((element: unknown) => this.value(element));
    return elements.some((element, index) => element !== value[index]) ? elements : value;
  }

  /** Returns `serialize` with its output redacted, because pino serializes after formatting. */
  serializer<T>(serialize: (value: T) => unknown): (value: T) => unknown {
    const known = this.#serializers.get(serialize) as ((value: T) => unknown) | undefined;
    if (known !== undefined) return known;
    const redacting = (value: T) => this.value(serialize(value));
    this.#serializers.set(serialize, redacting);
    // Fastify hands a child's wrapped serializers to its own children, which need no second wrap.
    this.#serializers.set(redacting, redacting);
    return redacting;
  }
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
