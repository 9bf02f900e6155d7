import { silentLogger, type CredentialLogger } from '../credential-logger.js';
import { reasonOf } from '../errors.js';
import { iamTokenLifetimeSeconds, type AwsCredentialsProvider } from '../tokens/aws-credentials.js';
import { signElastiCacheToken } from '../tokens/elasticache-iam-token.js';
import { RefreshingToken } from '../tokens/refreshing-token.js';

/** The parts of an ioredis client that re-authentication uses. */
export interface ReauthenticatingRedisClient {
  readonly options: { username?: string; password?: string };
  readonly status: string;
  auth(username: string, password: string): Promise<unknown>;
}

/** Options of {@link RedisIamAuthentication}. */
export interface RedisIamAuthenticationOptions {
  readonly replicationGroupId: string;
  readonly userId: string;
  readonly region: string;
  readonly serverless?: boolean;
  /** AWS credentials, normally the SDK's default provider chain (IAM role of the pod). */
  readonly credentials: AwsCredentialsProvider;
  /** How long before expiry a new token is signed, in milliseconds. Default 5 minutes. */
  readonly refreshBeforeExpiryMs?: number;
  /** Signs a token; {@link signElastiCacheToken} by default. Tests replace it. */
  readonly sign?: () => Promise<string>;
  readonly logger?: CredentialLogger;
}

/**
 * ElastiCache IAM authentication for ioredis clients. A token is valid for 15 minutes, so a new
 * one is signed ahead of expiry. Each new token becomes the password of the next reconnection
 * and is also sent as `AUTH` on the open connection, which ElastiCache requires to keep a
 * connection beyond 12 hours. Re-authenticating an open connection interrupts no command.
 */
export class RedisIamAuthentication {
  readonly #token: RefreshingToken;
  readonly #userId: string;
  readonly #logger: CredentialLogger;

  constructor(options: RedisIamAuthenticationOptions) {
    this.#userId = options.userId;
    this.#logger = options.logger ?? silentLogger;
    const sign =
      options.sign ??
      (() =>
        signElastiCacheToken({
          replicationGroupId: options.replicationGroupId,
          userId: options.userId,
          region: options.region,
          serverless: options.serverless ?? false,
          credentials: options.credentials,
        }));
    this.#token = new RefreshingToken({
      name: 'ElastiCache IAM token',
      sign,
      lifetimeMs: iamTokenLifetimeSeconds * 1000,
      refreshBeforeExpiryMs: options.refreshBeforeExpiryMs ?? 5 * 60_000,
      logger: this.#logger,
    });
  }

  /** Returns a valid token, signing one when none is held. */
  token(): Promise<string> {
    return this.#token.current();
  }

  /**
   * Keeps `client` authenticated with the newest token. Returns a function that detaches it.
   * A failed `AUTH` is logged; the connection stays authenticated with the previous token until
   * it expires or reconnects, and the next token is tried at its refresh.
   */
  attach(client: ReauthenticatingRedisClient): () => void {
    return this.#token.onRefresh((token) => {
      client.options.username = this.#userId;
      client.options.password = token;
      if (client.status !== 'ready') return;
      client.auth(this.#userId, token).catch((error: unknown) => {
        this.#logger.warn({ reason: reasonOf(error) }, 'redis re-authentication failed');
      });
    });
  }

  stop(): void {
    this.#token.stop();
  }
}
