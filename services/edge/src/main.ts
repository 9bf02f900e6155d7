import { ConfigError } from '@palisade/config';
import { createLogger, createMetricsRegistry, startMetricsServer } from '@palisade/telemetry';

import { buildEdge } from './build-edge.js';
import { loadEdgeConfig, type EdgeConfig } from './edge-config.js';

/** Edge entry point: serves the frontend and proxies /api/* until SIGTERM or SIGINT. */
function loadSettings(): EdgeConfig {
  try {
    return loadEdgeConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const config = loadSettings();
const logger = createLogger({
  service: 'edge',
  level: config.LOG_LEVEL,
  ...(config.LOG_FORMAT === undefined ? {} : { format: config.LOG_FORMAT }),
});
const metricsRegistry = createMetricsRegistry();
const app = await buildEdge({
  metricsRegistry,
  staticRoot: config.EDGE_STATIC_ROOT,
  upstreamUrl: config.EDGE_UPSTREAM_URL,
  hsts: config.EDGE_MODE === 'production',
  trustedProxies: config.trustedProxies,
  logger,
});

const metricsServer = await startMetricsServer({
  registries: [metricsRegistry],
  host: config.METRICS_HOST,
  port: config.METRICS_PORT,
  logger,
});

try {
  const address = await app.listen({ host: config.EDGE_HOST, port: config.EDGE_PORT });
  logger.info({ address, upstream: config.EDGE_UPSTREAM_URL }, 'edge listening');
} catch (error) {
  logger.fatal({ err: error }, 'edge failed to listen');
  process.exit(1);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'edge stopping');
    void Promise.all([app.close(), metricsServer.close()]).then(() => process.exit(0));
  });
}
