import { serviceWildcardOf } from './method-path.js';

/** One policy entry: the workload identities allowed to call `method`. */
export interface AuthorizationRule {
  /** A method path `/package.Service/Method`, or `/package.Service/*` for the whole service. */
  readonly method: string;
  /** SPIFFE IDs allowed to call the method. */
  readonly allow: readonly string[];
}

/**
 * Default-deny mapping from gRPC methods to the workload identities allowed to call them.
 * Anything not granted by a rule is denied. Build one with `parseAuthorizationPolicy` or `loadAuthorizationPolicy`, which validate
 * the rules first.
 */
export class AuthorizationPolicy {
  readonly version = 1;
  readonly rules: readonly AuthorizationRule[];
  readonly #allowedCallers: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(
    readonly trustDomain: string,
    rules: readonly AuthorizationRule[],
  ) {
    this.rules = Object.freeze(
      rules.map((rule) =>
        Object.freeze({ method: rule.method, allow: Object.freeze([...rule.allow]) }),
      ),
    );
    this.#allowedCallers = new Map(this.rules.map((rule) => [rule.method, new Set(rule.allow)]));
  }

  /**
   * Returns whether the workload `callerSpiffeId` may call `method`: true only when a rule for
   * the exact method, or for its whole service, lists the caller. A missing identity, an unknown
   * method and a malformed method path are all denied.
   */
  isAllowed(method: string, callerSpiffeId: string | undefined): boolean {
    if (typeof callerSpiffeId !== 'string' || callerSpiffeId === '') return false;

    const serviceWildcard = serviceWildcardOf(method);
    if (serviceWildcard === undefined) return false;

    return (
      this.#allowedCallers.get(method)?.has(callerSpiffeId) === true ||
      this.#allowedCallers.get(serviceWildcard)?.has(callerSpiffeId) === true
    );
  }
}
