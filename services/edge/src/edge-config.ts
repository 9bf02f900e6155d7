import { fileURLToPath } from 'node:url';

import { ConfigError, loadConfig, parseAddressList } from '@palisade/config';
import { telemetrySettings } from '@palisade/telemetry';
import { Type, type Static } from 'typebox';

/** The frontend's Vite output in this checkout; this file runs from services/edge/dist/. */
export const defaultStaticRoot = fileURLToPath(new URL('../../frontend/dist/', import.meta.url));

const edgeConfigSchema = Type.Object({
  EDGE_HOST: Type.String({ default: '127.0.0.1', description: 'Listen address of the edge.' }),
  EDGE_PORT: Type.Integer({
    default: 8080,
    minimum: 0,
    maximum: 65535,
    description: 'Listen port of the edge (0 picks a free one).',
  }),
  EDGE_UPSTREAM_URL: Type.String({
    default: 'http://127.0.0.1:3000',
    pattern: '^https?://[^/]+$',
    description: 'Origin of the web tier that /api/* is proxied to, such as http://127.0.0.1:3000.',
  }),
  EDGE_STATIC_ROOT: Type.String({
    default: defaultStaticRoot,
    minLength: 1,
    description: 'Folder with the built frontend (index.html and assets/).',
  }),
  EDGE_MODE: Type.Union([Type.Literal('production'), Type.Literal('development')], {
    default: 'production',
    description:
      '`development` leaves out Strict-Transport-Security, which would pin a local host to HTTPS.',
  }),
  EDGE_TRUSTED_PROXIES: Type.String({
    default: '',
    description:
      'Comma-separated IP addresses or CIDR ranges of the proxies in front of the edge (a load ' +
      'balancer, a mesh sidecar) whose X-Forwarded-For names the client. Empty: the TCP peer ' +
      'is the client.',
  }),
  ...telemetrySettings({ metricsPort: 9468 }),
});

export type EdgeConfig = Static<typeof edgeConfigSchema> & {
  /** EDGE_TRUSTED_PROXIES as a list. */
  readonly trustedProxies: readonly string[];
};

/**
 * Reads the edge configuration from the environment.
 *
 * @throws ConfigError listing every invalid variable.
 */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  let config: Static<typeof edgeConfigSchema> | undefined;
  let problems: readonly string[] = [];
  try {
    config = loadConfig('edge', edgeConfigSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }
  const trusted = parseAddressList('EDGE_TRUSTED_PROXIES', env['EDGE_TRUSTED_PROXIES'] ?? '');
  if (config === undefined || problems.length > 0 || trusted.problems.length > 0) {
    throw new ConfigError('edge', [...problems, ...trusted.problems]);
  }
  return { ...config, trustedProxies: trusted.addresses };
}
