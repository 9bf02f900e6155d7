import pg from 'pg';

import type { CredentialLogger } from '@palisade/credentials';

/**
 * SQLSTATEs of a rejected login: 28P01 (invalid_password, also sent for a password past its
 * VALID UNTIL) and 28000 (invalid_authorization_specification, sent by RDS for a rejected IAM
 * token).
 */
const authenticationFailures = new Set(['28P01', '28000']);
const retryDelaysMs = [250, 500, 1000];

type ConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  release: (releaseError?: Error | boolean) => void,
) => void;

/**
 * Called when a connection is requested from the pool. The function it returns is called once
 * the connection is back in the pool, or at once when none could be had.
 */
export type CheckoutObserver = () => () => void;

/**
 * A pool whose new connections retry a rejected login a few times before failing. A rotation
 * changes the server's password and the secret file one after the other, and a connection
 * opened between the two sends the other password; the retry reads the credentials again and
 * succeeds once both agree. Open connections are not affected by a rotation.
 */
export class CredentialPool extends pg.Pool {
  readonly #logger: CredentialLogger | undefined;
  readonly #onCheckout: CheckoutObserver | undefined;

  constructor(config: pg.PoolConfig, logger?: CredentialLogger, onCheckout?: CheckoutObserver) {
    super(config);
    this.#logger = logger;
    this.#onCheckout = onCheckout;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const checkedIn = this.#onCheckout?.();
    const attempt = (retry: number, done: ConnectCallback): void => {
      super.connect((error, client, release) => {
        const delayMs = retryDelaysMs[retry];
        if (error !== undefined && isAuthenticationFailure(error) && delayMs !== undefined) {
          this.#logger?.warn(
            { code: (error as { code?: string }).code, retry_in_ms: delayMs },
            'database login rejected; reading the credentials again',
          );
          setTimeout(() => attempt(retry + 1, done), delayMs);
          return;
        }
        if (client === undefined || checkedIn === undefined) {
          checkedIn?.();
          done(error, client, release);
          return;
        }
        // pg-pool's own query() returns the client through client.release, so that is wrapped.
        const returnToPool = client.release.bind(client);
        const releaseAndStop = (releaseError?: Error | boolean) => {
          checkedIn();
          returnToPool(releaseError);
        };
        client.release = releaseAndStop;
        done(error, client, releaseAndStop);
      });
    };

    if (callback !== undefined) {
      attempt(0, callback);
      return;
    }
    return new Promise((resolve, reject) => {
      attempt(0, (error, client) => {
        if (error !== undefined || client === undefined) reject(error ?? new Error('no client'));
        else resolve(client);
      });
    });
  }
}

function isAuthenticationFailure(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && authenticationFailures.has(code);
}
