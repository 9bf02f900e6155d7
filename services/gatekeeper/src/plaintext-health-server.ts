import {
  Server,
  ServerCredentials,
  status,
  type ServerWritableStream,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { service as healthService, type HealthImplementation } from 'grpc-health-check';
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
 * Starts a gRPC server without TLS that serves only grpc.health.v1.Health/Check, for kubelet
 * probes, which present no client certificate. It uses the Check handler of the main server's
 * HealthImplementation, so a probe gets the same status as a caller of the main port. Watch is
 * refused: anyone who reaches the port could otherwise hold open streams without limit. The
 * server has no other service, so grpc-js rejects every other method with UNIMPLEMENTED before
 * any business code runs.
 */
export async function startPlaintextHealthServer(
  options: PlaintextHealthServerOptions,
): Promise<PlaintextHealthServer> {
  const server = new Server();
  let check: UntypedHandleCall | undefined;
  options.health.addToServer({
    addService: (_definition, implementation) => {
      check = implementation['check'];
    },
  });
  if (check === undefined) throw new Error('the health implementation registered no Check');
  server.addService(healthService, {
    check,
    watch: (call: ServerWritableStream<unknown, unknown>) => {
      call.emit('error', {
        code: status.UNIMPLEMENTED,
        details: 'Watch is not served on the plaintext health port; call Check',
      });
    },
  });
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
