import { ConfigError } from '@palisade/config';
import { AccessTokenVerifier } from '@palisade/identity';

import { buildApp } from './app.js';
import { readTlsFiles } from './config/tls-files.js';
import { loadWebConfig } from './config/web-config.js';
import { createGatekeeperCredentials } from './gatekeeper/gatekeeper-credentials.js';
import { GrpcGatekeeper } from './gatekeeper/gatekeeper-client.js';
import { createLogger } from './logging/create-logger.js';

/**
 * Web tier entry point: reads the configuration, connects the parts and serves HTTP until
 * SIGTERM or SIGINT.
 */
function loadSettings() {
  try {
    const config = loadWebConfig(process.env);
    return { config, tls: readTlsFiles(config) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const { config, tls } = loadSettings();
const logger = createLogger();

const credentials = createGatekeeperCredentials({
  ca: tls.ca,
  certificate: tls.certificate,
  privateKey: tls.privateKey,
  serverSpiffeId: config.GATEKEEPER_SPIFFE_ID,
});
// The server's identity is checked by its SPIFFE ID, not its host name, so the TLS server
// name is a fixed DNS name: Node.js deprecates sending an IP address as SNI.
const gatekeeper = new GrpcGatekeeper(config.GATEKEEPER_ADDRESS, credentials, {
  'grpc.ssl_target_name_override': 'gatekeeper',
});

const verifier = new AccessTokenVerifier({
  issuer: config.OIDC_ISSUER,
  audience: config.OIDC_AUDIENCE,
  ...(config.OIDC_JWKS_URI !== undefined ? { jwksUri: config.OIDC_JWKS_URI } : {}),
  algorithms: config.OIDC_ALGORITHMS,
  clockToleranceSeconds: config.OIDC_CLOCK_TOLERANCE_SECONDS,
});

const app = await buildApp({
  gatekeeper,
  verifier,
  logger,
  bodyLimitBytes: config.WEB_BODY_LIMIT_BYTES,
  gatekeeperTimeoutMs: config.WEB_GATEKEEPER_TIMEOUT_MS,
  requestTimeoutMs: config.WEB_REQUEST_TIMEOUT_MS,
});

async function stop(signal: NodeJS.Signals): Promise<void> {
  logger.info({ signal }, 'web stopping');
  await app.close();
  gatekeeper.close();
  logger.info('web stopped');
  process.exit(0);
}
process.once('SIGTERM', (signal) => void stop(signal));
process.once('SIGINT', (signal) => void stop(signal));

try {
  const address = await app.listen({ host: config.WEB_HOST, port: config.WEB_PORT });
  logger.info({ address, gatekeeper: config.GATEKEEPER_ADDRESS }, 'web started');
} catch (error) {
  logger.fatal({ err: error }, 'web failed to start');
  gatekeeper.close();
  process.exit(1);
}
