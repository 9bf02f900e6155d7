import { join } from 'node:path';

import type { DevelopmentPki } from '@palisade/identity';

import type { GatekeeperLogin } from './gatekeeper-login.js';
import type { DevSettings } from './settings.js';

export const trustDomain = 'palisade.local';

export const spiffeIds = {
  gatekeeper: `spiffe://${trustDomain}/ns/palisade/sa/gatekeeper`,
  web: `spiffe://${trustDomain}/ns/palisade/sa/web`,
  cli: `spiffe://${trustDomain}/ns/palisade/sa/palisade-cli`,
} as const;

type Environment = Record<string, string>;

type ServiceName = keyof DevSettings['metricsPorts'];

/** Variables of the supervisor's own environment that a service may inherit; no others are. */
function inheritedEnvironment(): Environment {
  const inherited: Environment = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  return inherited;
}

/** Variables every service gets; nothing else is inherited from the supervisor. */
function baseEnvironment(settings: DevSettings, service: ServiceName): Environment {
  const inherited = inheritedEnvironment();
  const traces = settings.tracesDirectory;
  return {
    ...inherited,
    ...settings.openTelemetry,
    LOG_LEVEL: settings.logLevel,
    LOG_FORMAT: settings.logFormat,
    METRICS_HOST: settings.host,
    METRICS_PORT: String(settings.metricsPorts[service]),
    OTEL_SERVICE_NAME: service,
    ...(traces === undefined ? {} : { PALISADE_TRACES_FILE: join(traces, `${service}.jsonl`) }),
  };
}

export function issuerUrl(settings: DevSettings): string {
  return `http://${settings.host}:${settings.ports.idp}`;
}

export function idpEnvironment(settings: DevSettings): Environment {
  return {
    ...baseEnvironment(settings, 'idp'),
    IDP_HOST: settings.host,
    IDP_PORT: String(settings.ports.idp),
    IDP_ISSUER: issuerUrl(settings),
    IDP_MODE: 'development',
    IDP_JWKS_FILE: join(settings.home, 'idp', 'jwks.json'),
    IDP_WEB_REDIRECT_URIS: `${settings.publicOrigin}/api/auth/callback`,
  };
}

/**
 * Returns the gatekeeper's variables. With `login` (a PostgreSQL server), the gatekeeper
 * connects as its own role with the password file that the supervisor rotates. On the embedded
 * database, whose single session belongs to the superuser, it uses the URL as it is.
 */
export function gatekeeperEnvironment(
  settings: DevSettings,
  pki: DevelopmentPki,
  databaseUrl: string,
  login?: GatekeeperLogin,
): Environment {
  const identity = workload(pki, 'gatekeeper');
  return {
    ...baseEnvironment(settings, 'gatekeeper'),
    GATEKEEPER_HOST: settings.host,
    GATEKEEPER_PORT: String(settings.ports.gatekeeper),
    GATEKEEPER_TLS_CERT_FILE: identity.certFile,
    GATEKEEPER_TLS_KEY_FILE: identity.keyFile,
    GATEKEEPER_CA_FILE: pki.caFile,
    DATABASE_URL: login?.databaseUrl ?? databaseUrl,
    ...(login === undefined
      ? {}
      : {
          DATABASE_CREDENTIALS: 'file',
          DATABASE_USERNAME_FILE: login.usernameFile,
          DATABASE_PASSWORD_FILE: login.passwordFile,
          DATABASE_PASSWORD_VALIDITY_SECONDS: String(login.validitySeconds),
        }),
    // PGlite has a single backend that connections take in turns, so more add little.
    DATABASE_POOL_MAX: settings.databaseUrl === undefined ? '3' : '10',
    OIDC_ISSUER: issuerUrl(settings),
    ...redisEnvironment(settings),
    ...settings.tuning.gatekeeper,
  };
}

/**
 * Returns the inventory service's variables. With `login` (a PostgreSQL server), it connects as
 * its own role with the password file that the supervisor rotates.
 */
export function inventoryEnvironment(
  settings: DevSettings,
  databaseUrl: string,
  login?: GatekeeperLogin,
): Environment {
  return {
    ...baseEnvironment(settings, 'inventory'),
    DATABASE_URL: login?.databaseUrl ?? databaseUrl,
    ...(login === undefined ? {} : { DATABASE_PASSWORD_FILE: login.passwordFile }),
    DATABASE_POOL_MAX: settings.databaseUrl === undefined ? '2' : '5',
    ...redisEnvironment(settings),
    ...settings.tuning.inventory,
  };
}

export function webEnvironment(settings: DevSettings, pki: DevelopmentPki): Environment {
  const identity = workload(pki, 'web');
  return {
    ...baseEnvironment(settings, 'web'),
    WEB_HOST: settings.host,
    WEB_PORT: String(settings.ports.web),
    WEB_TLS_CERT_FILE: identity.certFile,
    WEB_TLS_KEY_FILE: identity.keyFile,
    GATEKEEPER_CA_FILE: pki.caFile,
    GATEKEEPER_ADDRESS: `${settings.host}:${settings.ports.gatekeeper}`,
    GATEKEEPER_SPIFFE_ID: spiffeIds.gatekeeper,
    OIDC_ISSUER: issuerUrl(settings),
    WEB_PUBLIC_ORIGIN: settings.publicOrigin,
    // The edge on this host forwards the browser's address in X-Forwarded-For.
    WEB_TRUSTED_PROXIES: '127.0.0.1/32',
    WEB_OIDC_CLIENT_SECRET_FILE: webClientSecretFile(settings),
    ...redisEnvironment(settings),
    ...settings.tuning.web,
  };
}

/** Returns the edge's variables: it serves the built frontend and proxies /api/* to web. */
export function edgeEnvironment(settings: DevSettings): Environment {
  return {
    ...inheritedEnvironment(),
    LOG_LEVEL: settings.logLevel,
    LOG_FORMAT: settings.logFormat,
    METRICS_HOST: settings.host,
    METRICS_PORT: String(settings.metricsPorts.edge),
    EDGE_HOST: settings.host,
    EDGE_PORT: String(settings.ports.edge),
    EDGE_UPSTREAM_URL: `http://${settings.host}:${settings.ports.web}`,
    // Local development is plain HTTP, where Strict-Transport-Security would pin the host to HTTPS.
    EDGE_MODE: 'development',
  };
}

/** File with the web client's OIDC secret, which the supervisor writes before starting web. */
export function webClientSecretFile(settings: DevSettings): string {
  return join(settings.home, 'web', 'oidc-client-secret');
}

/** REDIS_URL and REDIS_KEY_PREFIX, only when the user set them: else the stores are in memory. */
function redisEnvironment(settings: DevSettings): Environment {
  return {
    ...(settings.redisUrl === undefined ? {} : { REDIS_URL: settings.redisUrl }),
    ...(settings.redisKeyPrefix === undefined ? {} : { REDIS_KEY_PREFIX: settings.redisKeyPrefix }),
  };
}

function workload(pki: DevelopmentPki, name: string) {
  const files = pki.workloads[name];
  if (files === undefined) throw new Error(`development PKI has no ${name} certificate`);
  return files;
}

/** The workload certificates `palisade dev` issues under its home folder. */
export const developmentWorkloads = [
  {
    name: 'gatekeeper',
    spiffeId: spiffeIds.gatekeeper,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  },
  { name: 'web', spiffeId: spiffeIds.web },
  { name: 'palisade-cli', spiffeId: spiffeIds.cli },
] as const;
