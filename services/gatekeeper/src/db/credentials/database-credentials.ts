/** How the gatekeeper authenticates to PostgreSQL: the `DATABASE_CREDENTIALS` setting. */
export type DatabaseCredentialsKind = 'rds-iam' | 'file' | 'static';

/**
 * The user name and password of each new PostgreSQL connection. Providers hand out credentials
 * that may change over time; a connection keeps the ones it was opened with, so the pool
 * replaces connections before {@link validitySeconds} runs out.
 */
export interface DatabaseCredentialProvider {
  readonly kind: DatabaseCredentialsKind;
  /**
   * How long a credential handed out now stays valid, in seconds, or undefined when it does
   * not expire. The pool's maximum connection lifetime must stay below it.
   */
  readonly validitySeconds: number | undefined;
  /** The user name of the next connection. Synchronous, because `pg` needs it up front. */
  username(): string;
  /** The password of the next connection, asked for only when the server requests one. */
  password(): Promise<string>;
  /** Stops background work such as token refresh. */
  close(): void;
}
