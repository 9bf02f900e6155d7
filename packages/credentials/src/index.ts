/**
 * Short-lived and rotated credentials: secrets read from files, IAM authentication tokens
 * signed ahead of expiry, Redis connection settings and workload certificates reloaded when
 * their files change. It contains no database driver, so the web tier may use it.
 */
export {
  readWorkloadCertificate,
  type WorkloadCertificateFiles,
  type WorkloadCertificateMaterial,
} from './certificates/certificate-files.js';
export {
  ReloadingCertificateProvider,
  type CertificateReloadOptions,
} from './certificates/reloading-certificate-provider.js';
export { silentLogger, type CredentialLogger } from './credential-logger.js';
export { CredentialError, type CredentialErrorCode } from './errors.js';
export {
  embeddedPasswordProblems,
  isProductionMode,
  productionModeVariable,
  productionSecretProblems,
  productionSecretRules,
  type ForbiddenVariable,
} from './production-mode.js';
export {
  redisClientOptions,
  type RedisAuthentication,
  type RedisClientOptions,
  type RedisConnectionSettings,
} from './redis/redis-connection.js';
export {
  createRedisConnection,
  redisCredentialProblems,
  redisCredentialSettings,
  type RedisConnection,
  type RedisCredentialConfig,
} from './redis/redis-credential-settings.js';
export {
  RedisIamAuthentication,
  type ReauthenticatingRedisClient,
  type RedisIamAuthenticationOptions,
} from './redis/redis-iam-authentication.js';
export { SecretFile, type SecretFileSource } from './secrets/secret-file.js';
export {
  iamTokenLifetimeSeconds,
  type AwsCredentials,
  type AwsCredentialsProvider,
} from './tokens/aws-credentials.js';
export { awsRegionSettings } from './tokens/aws-region-settings.js';
export { defaultAwsCredentials } from './tokens/default-aws-credentials.js';
export {
  signElastiCacheToken,
  type ElastiCacheTokenRequest,
} from './tokens/elasticache-iam-token.js';
export { RefreshingToken, type RefreshingTokenOptions } from './tokens/refreshing-token.js';
