import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';

import { ConfigError } from '@palisade/config';
import {
  createHttpServerMetrics,
  createLogger,
  createMetricsRegistry,
  setActiveRoute,
  shutdownTelemetry,
  startMetricsServer,
} from '@palisade/telemetry';
import type { Logger } from 'pino';

import { loadIdpConfig } from './config.js';
import {
  DEVELOPMENT_TOKEN_PATH,
  handleDevelopmentToken,
  rejectDevelopmentToken,
} from './development-token.js';
import { IdpError } from './errors.js';
import { BodyTooLargeError, sendJson } from './http.js';
import { handleInteraction } from './interactions.js';
import { routeLabelOf } from './metrics/route-label.js';
import { apiResourceServer, createProvider } from './provider.js';
import { readSecrets } from './secrets.js';
import { loadSigningKeys } from './signing-keys.js';

const HEALTH_PATH = '/healthz';

async function main(): Promise<void> {
  const config = loadIdpConfig(process.env);
  const logger = createLogger({
    service: 'idp',
    level: config.LOG_LEVEL,
    ...(config.LOG_FORMAT === undefined ? {} : { format: config.LOG_FORMAT }),
  });
  const metricsRegistry = createMetricsRegistry();
  const httpMetrics = createHttpServerMetrics(metricsRegistry, 'palisade_idp');
  const development = config.IDP_MODE === 'development';
  const jwks = await loadSigningKeys({
    path: config.IDP_JWKS_FILE,
    createIfMissing: development,
    logger,
  });
  const secrets = await readSecrets(config);

  const providerOptions = {
    issuer: config.IDP_ISSUER,
    jwks,
    cookieKeys: secrets.cookieKeys,
    apiAudience: config.IDP_API_AUDIENCE,
    accessTokenTtlSeconds: config.IDP_ACCESS_TOKEN_TTL_SECONDS,
    webClient: {
      clientId: config.IDP_WEB_CLIENT_ID,
      clientSecret: secrets.webClientSecret,
      redirectUris: config.IDP_WEB_REDIRECT_URIS,
    },
    logger,
  };
  const provider = createProvider(providerOptions);
  const providerCallback = provider.callback();

  const interactionOptions = { provider, firstPartyClientId: config.IDP_WEB_CLIENT_ID, logger };
  const developmentTokenOptions = {
    provider,
    clientId: config.IDP_WEB_CLIENT_ID,
    apiAudience: config.IDP_API_AUDIENCE,
    apiResourceServer: apiResourceServer(providerOptions),
    logger,
  };

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://idp.invalid').pathname;

    if (path === HEALTH_PATH) return sendJson(response, 200, { status: 'ok' });
    if (path === DEVELOPMENT_TOKEN_PATH) {
      if (!development) return rejectDevelopmentToken(request, response);
      return handleDevelopmentToken(developmentTokenOptions, request, response);
    }
    if (await handleInteraction(interactionOptions, request, response)) return;

    await providerCallback(request, response);
  }

  const server = createServer((request, response) => {
    const startedAt = process.hrtime.bigint();
    const method = request.method ?? 'GET';
    const routeLabel = routeLabelOf(request.url);
    setActiveRoute(method, routeLabel);
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      httpMetrics.observe(method, routeLabel, response.statusCode, seconds);
    });
    route(request, response).catch((error: unknown) => failRequest(logger, response, error));
  });
  const metricsServer = await startMetricsServer({
    registries: [metricsRegistry],
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
    logger,
  });
  server.listen(config.IDP_PORT, config.IDP_HOST);
  await once(server, 'listening');

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.IDP_PORT;
  logger.info(
    { issuer: config.IDP_ISSUER, mode: config.IDP_MODE, host: config.IDP_HOST, port },
    'idp started',
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'idp stopping');
      server.close(() => {
        void metricsServer
          .close()
          .then(shutdownTelemetry)
          .then(() => logger.info('idp stopped'));
      });
      server.closeAllConnections();
    });
  }
}

function failRequest(logger: Logger, response: ServerResponse, error: unknown): void {
  if (error instanceof BodyTooLargeError) {
    logger.info({ error: error.message }, 'request rejected');
    if (!response.headersSent)
      sendJson(response, 413, { error: 'invalid_request', error_description: error.message });
    return;
  }

  logger.error({ err: error }, 'request failed');
  if (!response.headersSent) {
    sendJson(response, 500, { error: 'server_error', error_description: 'internal error' });
  } else {
    response.destroy();
  }
}

main().catch((error: unknown) => {
  // Start-up errors name the variable or file to fix, so one line on stderr is enough.
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else if (error instanceof IdpError) {
    process.stderr.write(`idp: ${error.message}\n`);
  } else {
    process.stderr.write(`idp: start-up failed: ${String((error as Error)?.stack ?? error)}\n`);
  }
  process.exitCode = 1;
});
