import { loadConfig } from '@palisade/config';
import { Type, type Static } from 'typebox';

import { developmentHome } from '../paths.js';

const port = (fallback: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: fallback, description });

const devSettingsSchema = Type.Object({
  WEB_PORT: port(3000, 'Port of the web tier.'),
  GATEKEEPER_PORT: port(50051, 'Port of the gatekeeper (gRPC over mutual TLS).'),
  IDP_PORT: port(4000, 'Port of the development identity provider.'),
  PALISADE_DATABASE_PORT: port(55432, 'Port of the embedded PostgreSQL (PGlite).'),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'A PostgreSQL server to use instead of the embedded database.',
    }),
  ),
  LOG_LEVEL: Type.String({ default: 'info', description: 'pino log level of every service.' }),
});

export interface DevSettings {
  readonly home: string;
  readonly host: string;
  readonly ports: {
    readonly web: number;
    readonly gatekeeper: number;
    readonly idp: number;
    readonly database: number;
  };
  /** Set when a PostgreSQL server replaces the embedded database. */
  readonly databaseUrl: string | undefined;
  readonly logLevel: string;
}

/** Reads `palisade dev`'s settings; every one has a default that runs on a fresh machine. */
export function readDevSettings(env: NodeJS.ProcessEnv = process.env): DevSettings {
  const config: Static<typeof devSettingsSchema> = loadConfig(
    'palisade dev',
    devSettingsSchema,
    env,
  );
  return {
    home: developmentHome(env),
    host: '127.0.0.1',
    ports: {
      web: config.WEB_PORT,
      gatekeeper: config.GATEKEEPER_PORT,
      idp: config.IDP_PORT,
      database: config.PALISADE_DATABASE_PORT,
    },
    databaseUrl: config.DATABASE_URL,
    logLevel: config.LOG_LEVEL,
  };
}
