import { ConfigError } from '@palisade/config';
import { AccessTokenVerifier, loadAuthorizationPolicy } from '@palisade/identity';
import { pino } from 'pino';

import { loadGatekeeperConfig } from './config.js';
import { createPool } from './db/pool.js';
import { createGatekeeperServer, listen, mutualTlsCredentials } from './server.js';

const shutdownTimeoutMs = 5000;

async function main(): Promise<void> {
  const config = loadGatekeeperConfig();
  const logger = pino({ base: { service: 'gatekeeper' }, level: config.LOG_LEVEL });

  const policy = await loadAuthorizationPolicy(config.GATEKEEPER_POLICY_FILE);
  const verifier = new AccessTokenVerifier({
    issuer: config.OIDC_ISSUER,
    audience: config.OIDC_AUDIENCE,
    ...(config.OIDC_JWKS_URI === undefined ? {} : { jwksUri: config.OIDC_JWKS_URI }),
    algorithms: config.OIDC_ALGORITHMS.split(','),
    clockToleranceSeconds: config.OIDC_CLOCK_TOLERANCE_SECONDS,
  });
  const pool = createPool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));

  const { server, health } = createGatekeeperServer({ pool, verifier, policy, logger });
  const credentials = await mutualTlsCredentials({
    caFile: config.GATEKEEPER_CA_FILE,
    certFile: config.GATEKEEPER_TLS_CERT_FILE,
    keyFile: config.GATEKEEPER_TLS_KEY_FILE,
  });
  const port = await listen(
    server,
    `${config.GATEKEEPER_HOST}:${config.GATEKEEPER_PORT}`,
    credentials,
  );

  await health.check();
  health.start();
  logger.info(
    { host: config.GATEKEEPER_HOST, port, pool_max: config.DATABASE_POOL_MAX },
    'gatekeeper listening',
  );

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'gatekeeper stopping');
    health.stop();
    const force = setTimeout(() => server.forceShutdown(), shutdownTimeoutMs).unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      void pool.end().then(() => {
        logger.info('gatekeeper stopped');
        process.exit(0);
      });
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `gatekeeper: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  process.exit(1);
});
