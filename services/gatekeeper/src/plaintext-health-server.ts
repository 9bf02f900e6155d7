import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';

import { listen } from './server.js';

const shutdownTimeoutMs = 5000;

/** Inputs of {@link startPlaintextHealthServer}. */
export interface PlaintextHealthServerOptions {
  /** The main server's health service; both servers report its status. */
  readonly health: HealthImplementation;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
}

/** A running plaintext health server. */
export interface PlaintextHealthServer {
  /** Port the server listens on. */
  readonly port: number;
  /** Stops accepting calls; open calls get {@link shutdownTimeoutMs} to finish. */
  stop(): Promise<void>;
}

/**
 * Starts a gRPC server without TLS that serves only grpc.health.v1.Health, for kubelet probes,
 * which present no client certificate. It shares the main server's HealthImplementation, so a
 * probe gets the same status as a caller of the main port. The server has no other service, so
 * grpc-js rejects every other method with UNIMPLEMENTED before any business code runs.
 */
export async function startPlaintextHealthServer(
  options: PlaintextHealthServerOptions,
): Promise<PlaintextHealthServer> {
  const server = new Server();
  options.health.addToServer(server);
  const port = await listen(
    server,
    `${options.host}:${options.port}`,
    ServerCredentials.createInsecure(),
  );
  options.logger.info({ host: options.host, port }, 'plaintext health server listening');

  return {
    port,
    stop() {
      return new Promise((resolve) => {
        // Watch streams stay open until the client leaves, so a graceful stop may never end.
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, shutdownTimeoutMs).unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
