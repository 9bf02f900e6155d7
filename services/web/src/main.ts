import { ConfigError } from '@palisade/config';
import { createRedisConnection, ReloadingCertificateProvider } from '@palisade/credentials';
import { AccessTokenVerifier } from '@palisade/identity';
import { createStore, RevocationList } from '@palisade/store';
import {
  createMetricsRegistry,
  shutdownTelemetry,
  startMetricsServer,
  type MetricsServer,
} from '@palisade/telemetry';

import { buildApp } from './app.js';
import { createRateLimiters } from './auth/security.js';
import { readClientSecret } from './config/client-secret.js';
import { readTlsFiles } from './config/tls-files.js';
import { loadWebConfig } from './config/web-config.js';
import { gatekeeperCallMetricsInterceptor } from './gatekeeper/call-metrics.js';
import { createReloadingGatekeeperCredentials } from './gatekeeper/gatekeeper-credentials.js';
import { GrpcGatekeeper } from './gatekeeper/gatekeeper-client.js';
import { createLogger } from './logging/create-logger.js';
import { OidcClient } from './session/oidc-client.js';

/**
 * Web tier entry point: reads the configuration, connects the parts and serves HTTP until
 * SIGTERM or SIGINT.
 */
function loadSettings() {
  try {
    const config = loadWebConfig(process.env);
    return { config, tls: readTlsFiles(config), clientSecret: readClientSecret(config) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const { config, clientSecret } = loadSettings();
const logger = createLogger({
  level: config.LOG_LEVEL,
  ...(config.LOG_FORMAT === undefined ? {} : { format: config.LOG_FORMAT }),
});
const metricsRegistry = createMetricsRegistry();

// readTlsFiles reported any unreadable file. From here on, the files reload when they change.
const certificates = await ReloadingCertificateProvider.start({
  files: {
    certFile: config.WEB_TLS_CERT_FILE,
    keyFile: config.WEB_TLS_KEY_FILE,
    caFile: config.GATEKEEPER_CA_FILE,
  },
  logger,
}).catch((error: unknown) => {
  process.stderr.write(`web: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
const credentials = createReloadingGatekeeperCredentials(certificates, config.GATEKEEPER_SPIFFE_ID);
// The server's identity is checked by its SPIFFE ID, not its host name, so the TLS server
// name is a fixed DNS name: Node.js deprecates sending an IP address as SNI.
const gatekeeper = new GrpcGatekeeper(config.GATEKEEPER_ADDRESS, credentials, {
  'grpc.ssl_target_name_override': 'gatekeeper',
  interceptors: [gatekeeperCallMetricsInterceptor(metricsRegistry)],
});

const verifier = new AccessTokenVerifier({
  issuer: config.OIDC_ISSUER,
  audience: config.OIDC_AUDIENCE,
  ...(config.OIDC_JWKS_URI !== undefined ? { jwksUri: config.OIDC_JWKS_URI } : {}),
  algorithms: config.OIDC_ALGORITHMS,
  clockToleranceSeconds: config.OIDC_CLOCK_TOLERANCE_SECONDS,
});

// Redis when REDIS_URL is set, else an in-memory store private to this process.
const redisConnection = await createRedisConnection(config, logger);
const store = await createStore({
  redisUrl: config.REDIS_URL,
  keyPrefix: config.REDIS_KEY_PREFIX,
  logger,
  ...(redisConnection === undefined ? {} : { connection: redisConnection }),
});
const sessionMaxAgeMs = config.WEB_SESSION_MAX_AGE_SECONDS * 1000;
// A user-wide revocation must outlive every session and token issued before it.
const revocations = new RevocationList(store, {
  userRevocationTtlMs: sessionMaxAgeMs + 24 * 60 * 60 * 1000,
});
const rateLimiters = createRateLimiters(store, {
  windowMs: config.WEB_RATE_LIMIT_WINDOW_SECONDS * 1000,
  perUser: config.WEB_RATE_LIMIT_PER_USER,
  perAddress: config.WEB_RATE_LIMIT_PER_ADDRESS,
  loginWindowMs: config.WEB_RATE_LIMIT_LOGIN_WINDOW_SECONDS * 1000,
  loginPerAddress: config.WEB_RATE_LIMIT_LOGIN_PER_ADDRESS,
});
// Browser login needs the client secret; without it only bearer tokens authenticate.
const oidc =
  clientSecret === undefined
    ? undefined
    : new OidcClient({
        issuer: config.OIDC_ISSUER,
        clientId: config.WEB_OIDC_CLIENT_ID,
        clientSecret,
        redirectUri: `${config.WEB_PUBLIC_ORIGIN}/api/auth/callback`,
        scopes: config.WEB_OIDC_SCOPES,
      });
logger.info(
  { store: config.REDIS_URL === undefined ? 'memory' : 'redis', browserLogin: oidc !== undefined },
  'security layer configured',
);

const app = await buildApp({
  gatekeeper,
  verifier,
  logger,
  bodyLimitBytes: config.WEB_BODY_LIMIT_BYTES,
  gatekeeperTimeoutMs: config.WEB_GATEKEEPER_TIMEOUT_MS,
  requestTimeoutMs: config.WEB_REQUEST_TIMEOUT_MS,
  metricsRegistry,
  security: {
    store,
    revocations,
    rateLimiters,
    revocationFailMode: config.WEB_REVOCATION_FAIL_MODE,
    trustedProxies: config.WEB_TRUSTED_PROXIES,
    publicOrigin: config.WEB_PUBLIC_ORIGIN,
    ...(oidc === undefined ? {} : { oidc }),
    sessionIdleMs: config.WEB_SESSION_IDLE_TIMEOUT_SECONDS * 1000,
    sessionMaxAgeMs,
    refreshMarginMs: config.WEB_TOKEN_REFRESH_MARGIN_SECONDS * 1000,
  },
});

let metricsServer: MetricsServer | undefined;

async function stop(signal: NodeJS.Signals): Promise<void> {
  logger.info({ signal }, 'web stopping');
  await app.close();
  gatekeeper.close();
  await store.close();
  redisConnection?.close();
  certificates.close();
  await metricsServer?.close();
  await shutdownTelemetry();
  logger.info('web stopped');
  process.exit(0);
}
process.once('SIGTERM', (signal) => void stop(signal));
process.once('SIGINT', (signal) => void stop(signal));

try {
  metricsServer = await startMetricsServer({
    registries: [metricsRegistry],
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
    logger,
  });
  const address = await app.listen({ host: config.WEB_HOST, port: config.WEB_PORT });
  logger.info({ address, gatekeeper: config.GATEKEEPER_ADDRESS }, 'web started');
} catch (error) {
  logger.fatal({ err: error }, 'web failed to start');
  gatekeeper.close();
  process.exit(1);
}
