import { AccessTokenVerifier } from '@palisade/identity';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';

import { buildApp, type AppDependencies } from '../app.js';
import type { SecurityOptions } from '../auth/security.js';
import { createGatekeeperCredentials } from '../gatekeeper/gatekeeper-credentials.js';
import { GrpcGatekeeper } from '../gatekeeper/gatekeeper-client.js';
import type { TypedApp } from '../routes/route-context.js';
import { startGatekeeperStub, type GatekeeperStub } from './gatekeeper-stub.js';
import {
  startIdentityProviderStub,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type IdentityProviderStub,
} from './identity-provider-stub.js';
import { createTestPki, GATEKEEPER_SPIFFE_ID, type TestPki } from './test-pki.js';

/** The web app wired to a gatekeeper stub over mTLS and a key set server, all on 127.0.0.1. */
export interface WebTestbed {
  readonly app: TypedApp;
  readonly gatekeeperStub: GatekeeperStub;
  readonly identityProvider: IdentityProviderStub;
  readonly pki: TestPki;
  /** `Authorization` header value with a fresh token for `alice` with the given roles. */
  bearer(roles?: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

/** Options of {@link startWebTestbed}. */
export interface WebTestbedOptions {
  readonly logger?: FastifyBaseLogger;
  readonly gatekeeperTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Makes the stub present a certificate with the wrong SPIFFE ID. */
  readonly impostorGatekeeper?: boolean;
  /** Key set URL override, for an unreachable identity provider. */
  readonly jwksUri?: string;
  /** Store, limits and revocation settings; in-memory defaults when absent. */
  readonly security?: SecurityOptions;
  /** Registry that receives the app's metrics. */
  readonly metricsRegistry?: Registry;
}

/** Starts the testbed. Call `close()` in `afterAll`. */
export async function startWebTestbed(options: WebTestbedOptions = {}): Promise<WebTestbed> {
  const pki = await createTestPki();
  const gatekeeperStub = await startGatekeeperStub(
    pki,
    options.impostorGatekeeper === true ? pki.impostorGatekeeper : pki.gatekeeper,
  );
  const identityProvider = await startIdentityProviderStub();

  const gatekeeper = new GrpcGatekeeper(
    gatekeeperStub.address,
    createGatekeeperCredentials({
      ca: Buffer.from(pki.ca.certificatePem),
      certificate: Buffer.from(pki.web.certificatePem),
      privateKey: Buffer.from(pki.web.privateKeyPem),
      serverSpiffeId: GATEKEEPER_SPIFFE_ID,
    }),
  );
  const verifier = new AccessTokenVerifier({
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    jwksUri: options.jwksUri ?? identityProvider.jwksUri,
    algorithms: ['ES256'],
    clockToleranceSeconds: 5,
    timeoutMs: 1000,
  });
  const dependencies: AppDependencies = {
    gatekeeper,
    verifier,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.gatekeeperTimeoutMs ? { gatekeeperTimeoutMs: options.gatekeeperTimeoutMs } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.security ? { security: options.security } : {}),
    ...(options.metricsRegistry ? { metricsRegistry: options.metricsRegistry } : {}),
  };
  const app = await buildApp(dependencies);

  return {
    app,
    gatekeeperStub,
    identityProvider,
    pki,
    bearer: async (roles = []) => `Bearer ${await identityProvider.mintToken({ roles })}`,
    close: async () => {
      await app.close();
      gatekeeper.close();
      await gatekeeperStub.close();
      await identityProvider.close();
    },
  };
}
