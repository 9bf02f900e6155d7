import { join } from 'node:path';

import type { DevelopmentPki } from '@palisade/identity';

import type { DevSettings } from './settings.js';

export const trustDomain = 'palisade.local';

export const spiffeIds = {
  gatekeeper: `spiffe://${trustDomain}/ns/palisade/sa/gatekeeper`,
  web: `spiffe://${trustDomain}/ns/palisade/sa/web`,
  cli: `spiffe://${trustDomain}/ns/palisade/sa/palisade-cli`,
} as const;

type Environment = Record<string, string>;

/** Variables every service gets; nothing else is inherited from the supervisor. */
function baseEnvironment(settings: DevSettings): Environment {
  const inherited: Environment = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) inherited[name] = value;
  }
  return { ...inherited, LOG_LEVEL: settings.logLevel };
}

export function issuerUrl(settings: DevSettings): string {
  return `http://${settings.host}:${settings.ports.idp}`;
}

export function idpEnvironment(settings: DevSettings): Environment {
  return {
    ...baseEnvironment(settings),
    IDP_HOST: settings.host,
    IDP_PORT: String(settings.ports.idp),
    IDP_ISSUER: issuerUrl(settings),
    IDP_MODE: 'development',
    IDP_JWKS_FILE: join(settings.home, 'idp', 'jwks.json'),
    IDP_WEB_REDIRECT_URIS: `http://${settings.host}:${settings.ports.web}/api/auth/callback`,
  };
}

export function gatekeeperEnvironment(
  settings: DevSettings,
  pki: DevelopmentPki,
  databaseUrl: string,
): Environment {
  const identity = workload(pki, 'gatekeeper');
  return {
    ...baseEnvironment(settings),
    GATEKEEPER_HOST: settings.host,
    GATEKEEPER_PORT: String(settings.ports.gatekeeper),
    GATEKEEPER_TLS_CERT_FILE: identity.certFile,
    GATEKEEPER_TLS_KEY_FILE: identity.keyFile,
    GATEKEEPER_CA_FILE: pki.caFile,
    DATABASE_URL: databaseUrl,
    // PGlite has a single backend, so the embedded database gets one connection.
    DATABASE_POOL_MAX: settings.databaseUrl === undefined ? '1' : '10',
    OIDC_ISSUER: issuerUrl(settings),
  };
}

export function webEnvironment(settings: DevSettings, pki: DevelopmentPki): Environment {
  const identity = workload(pki, 'web');
  return {
    ...baseEnvironment(settings),
    WEB_HOST: settings.host,
    WEB_PORT: String(settings.ports.web),
    WEB_TLS_CERT_FILE: identity.certFile,
    WEB_TLS_KEY_FILE: identity.keyFile,
    GATEKEEPER_CA_FILE: pki.caFile,
    GATEKEEPER_ADDRESS: `${settings.host}:${settings.ports.gatekeeper}`,
    GATEKEEPER_SPIFFE_ID: spiffeIds.gatekeeper,
    OIDC_ISSUER: issuerUrl(settings),
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
