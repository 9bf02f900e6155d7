import { experimental, Server, type ServerCredentials } from '@grpc/grpc-js';
import {
  AdminServiceService,
  EntryServiceService,
  ExperimentServiceService,
  UserServiceService,
  type AdminServiceServer,
  type UserServiceServer,
} from '@palisade/contracts';
import { ReloadingCertificateProvider, type CredentialLogger } from '@palisade/credentials';
import type { AccessTokenVerifier, AuthorizationPolicy } from '@palisade/identity';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { AdminFunctions } from './admin/admin-functions.js';
import type { AuditBatchWriter } from './audit/audit-batch-writer.js';
import { setAuditLogger } from './audit/audit-stream.js';
import type { ProfileCache } from './cache/profile-cache.js';
import { unaryHandler } from './grpc/unary-handler.js';
import { createHealthService, type DatabaseHealth } from './health.js';
import type { EntryFunctions } from './entries/entry-functions.js';
import { createEntryService } from './entries/entry-service.js';
import type { ExperimentFunctions } from './experiments/experiment-functions.js';
import { createExperimentService } from './experiments/experiment-service.js';
import type { IdempotentWrites } from './idempotency/idempotent-writes.js';
import { grpcServerMetricsInterceptor } from './metrics/grpc-server-metrics.js';
import { routeUnknownMethodsThroughInterceptors } from './policy/unknown-methods.js';
import { workloadAuthorizationInterceptor } from './policy/workload-authorization.js';
import { ProfileFunctions } from './users/profile-functions.js';
import type { UserIdCache } from './users/user-id-cache.js';

export interface GatekeeperServerOptions {
  readonly pool: pg.Pool;
  readonly verifier: AccessTokenVerifier;
  readonly policy: AuthorizationPolicy;
  readonly logger: Logger;
  /** Cache of profile rows, shared by the profile and admin functions. */
  readonly profileCache: ProfileCache;
  /** Runs each write once per idempotency key. */
  readonly idempotentWrites: IdempotentWrites;
  /** Writes the audit events of reads in batches. */
  readonly auditBatches: AuditBatchWriter;
  /** User ids of the identities this process has looked up. */
  readonly userIds: UserIdCache;
  /** Business functions on notebook entries and their search. */
  readonly entries: EntryFunctions;
  /** Business functions on experiments and the inventory they reserve. */
  readonly experiments: ExperimentFunctions;
  /** Registry that receives the gRPC call metrics; no call metrics without it. */
  readonly metricsRegistry?: Registry;
  /** Age in milliseconds at which a client connection is closed gracefully. Default 5 minutes. */
  readonly maxConnectionAgeMs?: number;
}

const defaultMaxConnectionAgeMs = 5 * 60_000;

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Builds the gRPC server: policy interceptor, business services and health service. */
export function createGatekeeperServer(options: GatekeeperServerOptions): {
  server: Server;
  health: DatabaseHealth;
} {
  const { pool, verifier, policy, logger, profileCache, idempotentWrites } = options;
  const { metricsRegistry, auditBatches } = options;
  const server = new Server({
    // Clients reconnect gracefully at this age, so a rotated client certificate is presented,
    // and an expired one dropped, within this time.
    'grpc.max_connection_age_ms': options.maxConnectionAgeMs ?? defaultMaxConnectionAgeMs,
    interceptors: [
      // First, so that it also counts the calls the policy denies.
      ...(metricsRegistry ? [grpcServerMetricsInterceptor(metricsRegistry, policy)] : []),
      workloadAuthorizationInterceptor(policy, logger),
    ],
  });
  routeUnknownMethodsThroughInterceptors(server);
  setAuditLogger(logger);

  const dependencies = { verifier, logger };
  const profiles = new ProfileFunctions(
    pool,
    profileCache,
    idempotentWrites,
    auditBatches,
    options.userIds,
  );
  const admin = new AdminFunctions(pool, profileCache, idempotentWrites);

  const userService: UserServiceServer = {
    ensureUser: unaryHandler(dependencies, (context) => profiles.ensureUser(context)),
    getProfile: unaryHandler(dependencies, (context, request) =>
      profiles.getProfile(context, request.userId),
    ),
    updateProfile: unaryHandler(dependencies, (context, request) =>
      profiles.updateProfile(context, request),
    ),
  };
  const adminService: AdminServiceServer = {
    deleteUserData: unaryHandler(dependencies, (context, request) =>
      admin.deleteUserData(context, request.userId),
    ),
    listAuditEvents: unaryHandler(dependencies, (context, request) =>
      admin.listAuditEvents(context, request),
    ),
  };
  server.addService(UserServiceService, userService);
  server.addService(AdminServiceService, adminService);
  server.addService(EntryServiceService, createEntryService(options.entries, dependencies));
  server.addService(
    ExperimentServiceService,
    createExperimentService(options.experiments, dependencies),
  );

  const health = createHealthService(pool, logger);
  health.implementation.addToServer(server);
  return { server, health };
}

/**
 * Creates TLS credentials that require a client certificate signed by the
 * configured CA; a client without one never reaches a handler. The
 * certificate, key and CA bundle are reloaded when their files change, so a
 * rotated certificate is presented from the next handshake on. Open
 * connections keep theirs until the connection age limit closes them.
 *
 * @throws {CredentialError} `CERTIFICATE_FILES_INVALID` when the files cannot be used.
 */
export async function mutualTlsCredentials(
  files: TlsFiles,
  logger?: CredentialLogger,
): Promise<ServerCredentials> {
  const certificates = await ReloadingCertificateProvider.start({
    files,
    ...(logger === undefined ? {} : { logger }),
  });
  // One provider serves both the identity and the trust bundle, so the argument order of this
  // experimental API does not matter.
  return experimental.createCertificateProviderServerCredentials(certificates, certificates, true);
}

/** Binds the server and resolves with the port it listens on. */
export function listen(
  server: Server,
  address: string,
  credentials: ServerCredentials,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => {
      if (error) reject(error);
      else resolve(port);
    });
  });
}
