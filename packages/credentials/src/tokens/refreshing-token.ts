import { silentLogger, type CredentialLogger } from '../credential-logger.js';
import { CredentialError, reasonOf } from '../errors.js';

/** Options of {@link RefreshingToken}. */
export interface RefreshingTokenOptions {
  /** What the token is, in logs and errors, for example `RDS IAM token`. */
  readonly name: string;
  /** Creates a new token. It may fail; the failure is retried with backoff. */
  readonly sign: () => Promise<string>;
  /** How long a token is valid after signing, in milliseconds. */
  readonly lifetimeMs: number;
  /** How long before expiry a new token is signed in the background, in milliseconds. */
  readonly refreshBeforeExpiryMs: number;
  /**
   * Shortest remaining validity of a token handed out, in milliseconds, so a connection never
   * starts its handshake with a token about to expire. Default 30 000.
   */
  readonly minimumRemainingMs?: number;
  /** First delay after a failed signing, in milliseconds; it doubles per failure. Default 1000. */
  readonly retryInitialDelayMs?: number;
  /** Maximum delay between retries, in milliseconds. Default 30 000. */
  readonly retryMaxDelayMs?: number;
  readonly logger?: CredentialLogger;
}

interface SignedToken {
  readonly value: string;
  readonly expiresAtMs: number;
}

interface SigningFailure {
  readonly error: CredentialError;
  readonly retryAtMs: number;
}

/**
 * A short-lived token, such as an RDS or ElastiCache IAM authentication token, signed again in
 * the background before it expires, so callers get a valid token without waiting.
 *
 * A failed signing is retried with exponential backoff. Until the retry is due, callers that
 * need a token and hold no valid one get the same {@link CredentialError} at once instead of
 * signing again, so a burst of new connections does not hammer the credential source.
 */
export class RefreshingToken {
  readonly #options: RefreshingTokenOptions;
  readonly #logger: CredentialLogger;
  readonly #listeners = new Set<(token: string) => void>();
  #token: SignedToken | undefined;
  #failure: SigningFailure | undefined;
  #failures = 0;
  #signing: Promise<SignedToken> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: RefreshingTokenOptions) {
    if (options.refreshBeforeExpiryMs >= options.lifetimeMs) {
      throw new RangeError(
        `refreshBeforeExpiryMs (${options.refreshBeforeExpiryMs}) must be below lifetimeMs (${options.lifetimeMs})`,
      );
    }
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Expiry of the token held now, in milliseconds since the epoch, or undefined before the first. */
  get expiresAtMs(): number | undefined {
    return this.#token?.expiresAtMs;
  }

  /** Calls `listener` with every newly signed token, for clients that must re-authenticate. */
  onRefresh(listener: (token: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Returns a token valid for at least the minimum remaining time, signing one when none is held.
   *
   * @throws {CredentialError} `TOKEN_SIGNING_FAILED` when signing fails, naming the cause and
   *   when it is retried.
   */
  async current(): Promise<string> {
    const minimumRemainingMs = this.#options.minimumRemainingMs ?? 30_000;
    const token = this.#token;
    if (token !== undefined && token.expiresAtMs - Date.now() > minimumRemainingMs) {
      return token.value;
    }
    if (this.#failure !== undefined && Date.now() < this.#failure.retryAtMs) {
      throw this.#failure.error;
    }
    return (await this.#refresh()).value;
  }

  /** Stops the background refresh; `current()` still signs on demand. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #refresh(): Promise<SignedToken> {
    this.#signing ??= this.#sign().finally(() => {
      this.#signing = undefined;
    });
    return this.#signing;
  }

  async #sign(): Promise<SignedToken> {
    const { name, lifetimeMs, refreshBeforeExpiryMs } = this.#options;
    const signedAtMs = Date.now();
    try {
      const value = await this.#options.sign();
      const token = { value, expiresAtMs: signedAtMs + lifetimeMs };
      this.#token = token;
      this.#failure = undefined;
      this.#failures = 0;
      this.#logger.info(
        { credential: name, expires_at: new Date(token.expiresAtMs).toISOString() },
        'token signed',
      );
      this.#schedule(lifetimeMs - refreshBeforeExpiryMs);
      for (const listener of this.#listeners) listener(value);
      return token;
    } catch (error) {
      throw this.#recordFailure(error);
    }
  }

  #recordFailure(error: unknown): CredentialError {
    const initial = this.#options.retryInitialDelayMs ?? 1000;
    const max = this.#options.retryMaxDelayMs ?? 30_000;
    const delayMs = Math.min(initial * 2 ** this.#failures, max);
    this.#failures += 1;

    const signingError = new CredentialError(
      'TOKEN_SIGNING_FAILED',
      `signing the ${this.#options.name} failed: ${reasonOf(error)}; retrying in ${delayMs} ms ` +
        '(check the AWS credentials and region of this workload)',
      { cause: error },
    );
    this.#failure = { error: signingError, retryAtMs: Date.now() + delayMs };
    this.#logger.warn(
      { credential: this.#options.name, attempt: this.#failures, retry_in_ms: delayMs, err: error },
      'token signing failed',
    );
    this.#schedule(delayMs);
    return signingError;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    // A background refresh never keeps the process alive on its own.
    this.#timer = setTimeout(() => {
      this.#refresh().catch(() => undefined);
    }, delayMs).unref();
  }
}
