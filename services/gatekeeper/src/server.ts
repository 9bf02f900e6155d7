import { readFile } from 'node:fs/promises';

import { Server, ServerCredentials } from '@grpc/grpc-js';
import {
  AdminServiceService,
  UserServiceService,
  type AdminServiceServer,
  type UserServiceServer,
} from '@palisade/contracts';
import type { AccessTokenVerifier, AuthorizationPolicy } from '@palisade/identity';
import type pg from 'pg';
import type { Logger } from 'pino';

import { AdminFunctions } from './admin/admin-functions.js';
import { unaryHandler } from './grpc/unary-handler.js';
import { createHealthService, type DatabaseHealth } from './health.js';
import { routeUnknownMethodsThroughInterceptors } from './policy/unknown-methods.js';
import { workloadAuthorizationInterceptor } from './policy/workload-authorization.js';
import { ProfileFunctions } from './users/profile-functions.js';

export interface GatekeeperServerOptions {
  readonly pool: pg.Pool;
  readonly verifier: AccessTokenVerifier;
  readonly policy: AuthorizationPolicy;
  readonly logger: Logger;
}

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
  const { pool, verifier, policy, logger } = options;
  const server = new Server({
    interceptors: [workloadAuthorizationInterceptor(policy, logger)],
  });
  routeUnknownMethodsThroughInterceptors(server);

  const dependencies = { verifier, logger };
  const profiles = new ProfileFunctions(pool);
  const admin = new AdminFunctions(pool);

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

  const health = createHealthService(pool, logger);
  health.implementation.addToServer(server);
  return { server, health };
}

/**
 * Creates TLS credentials that require a client certificate signed by the
 * configured CA; a client without one never reaches a handler.
 */
export async function mutualTlsCredentials(files: TlsFiles): Promise<ServerCredentials> {
  const [ca, cert, key] = await Promise.all([
    readFile(files.caFile),
    readFile(files.certFile),
    readFile(files.keyFile),
  ]);
  return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
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
