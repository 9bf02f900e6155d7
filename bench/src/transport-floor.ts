import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { ensureDevelopmentPki, type CertificateFiles } from '@palisade/identity';

import { recordFailure, runAtFixedRate, type LoadResult } from './load-generator.js';
import { floorMethod, floorRequest, grpcFrame } from './transport-floor-protocol.js';

/**
 * The transport floor: what one unary call over mutual TLS between two Node.js processes costs
 * with no Palisade code on either side. `grpc-js` is the library the web tier and the
 * gatekeeper use; `node:http2` is the same exchange written directly on Node's HTTP/2, the
 * layer below it. The hop without the database cannot be faster than these.
 */
export type FloorTransport = 'grpc-js' | 'node:http2';

export const floorTransports: readonly FloorTransport[] = ['grpc-js', 'node:http2'];

/** Certificates of the floor's client and server, signed by one development CA. */
export interface FloorPki {
  readonly caFile: string;
  readonly client: CertificateFiles;
  readonly server: CertificateFiles;
}

/** A running floor server process. */
export interface FloorServer {
  readonly grpcPort: number;
  readonly http2Port: number;
  stop(): Promise<void>;
}

// The server always runs compiled, from bench/dist/src/; tests load this module from its source.
const serverEntryPoint = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.ts')
      ? '../dist/src/transport-floor-server.js'
      : 'transport-floor-server.js',
    import.meta.url,
  ),
);
const warmUpCalls = 300;
/** The server certificate's DNS name, which both clients check as the web tier checks the gatekeeper's. */
const floorServerName = 'floor-server';

/** Issues (or reuses) the floor's certificates in `dir`. */
export async function createFloorPki(dir: string): Promise<FloorPki> {
  const pki = await ensureDevelopmentPki(dir, [
    { name: 'floor-client', spiffeId: 'spiffe://palisade.bench/floor-client' },
    {
      name: 'floor-server',
      spiffeId: 'spiffe://palisade.bench/floor-server',
      dnsNames: [floorServerName],
    },
  ]);
  const client = pki.workloads['floor-client'];
  const server = pki.workloads['floor-server'];
  if (client === undefined || server === undefined) {
    throw new Error('the development PKI returned no floor certificates');
  }
  return { caFile: pki.caFile, client, server };
}

/**
 * Starts the floor server in a child process with the server certificate of `pki`.
 *
 * @throws Error naming the exit code when the process exits before it listens.
 */
export function startFloorServer(pki: FloorPki): Promise<FloorServer> {
  const child = spawn(process.execPath, [serverEntryPoint], {
    env: {
      PATH: process.env['PATH'],
      FLOOR_CA_FILE: pki.caFile,
      FLOOR_CERT_FILE: pki.server.certFile,
      FLOOR_KEY_FILE: pki.server.keyFile,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const ports = /^floor listening on (\d+) (\d+)$/.exec(line);
      if (ports === null) return;
      resolve({ grpcPort: Number(ports[1]), http2Port: Number(ports[2]), stop });
    });
    child.once('exit', (code, signal) => {
      const output = stderr.join('').trim().split('\n')[0] ?? '';
      reject(
        new Error(
          `the transport floor server exited (${signal ?? `code ${code}`}) before it listened: ${output}`,
        ),
      );
    });
  });
}

/** A client of one floor transport with the client certificate of a PKI. */
interface FloorClient {
  /** Makes one call; resolves when it has completed, and rejects with a description when it failed. */
  call(): Promise<void>;
  close(): void;
}

async function grpcClient(server: FloorServer, pki: FloorPki): Promise<FloorClient> {
  const [ca, key, certificate] = await Promise.all([
    readFile(pki.caFile),
    readFile(pki.client.keyFile),
    readFile(pki.client.certFile),
  ]);
  const client = new Client(
    `127.0.0.1:${server.grpcPort}`,
    credentials.createSsl(ca, key, certificate),
    { 'grpc.ssl_target_name_override': floorServerName },
  );
  return {
    call: () =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          floorMethod.path,
          floorMethod.requestSerialize,
          floorMethod.responseDeserialize,
          floorRequest,
          (error: ServiceError | null) => {
            if (error) reject(new Error(`${status[error.code]}: ${error.details}`));
            else resolve();
          },
        );
      }),
    close: () => client.close(),
  };
}

async function http2Client(server: FloorServer, pki: FloorPki): Promise<FloorClient> {
  const [ca, key, cert] = await Promise.all([
    readFile(pki.caFile),
    readFile(pki.client.keyFile),
    readFile(pki.client.certFile),
  ]);
  const session = http2.connect(`https://127.0.0.1:${server.http2Port}`, {
    ca,
    key,
    cert,
    servername: floorServerName,
  });
  // A rejected handshake also fails the call that was waiting on it, with the same error.
  session.on('error', () => {});
  const framedRequest = grpcFrame(floorRequest);
  return {
    call: () =>
      new Promise((resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': floorMethod.path,
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        let grpcStatus: string | undefined;
        stream.on('trailers', (trailers: http2.IncomingHttpHeaders) => {
          grpcStatus = String(trailers['grpc-status']);
        });
        stream.on('data', () => {});
        stream.on('error', (error: Error) => reject(error));
        stream.on('close', () => {
          if (grpcStatus === '0') resolve();
          else reject(new Error(`stream closed with grpc-status ${grpcStatus ?? 'missing'}`));
        });
        stream.end(framedRequest);
      }),
    close: () => session.close(),
  };
}

/**
 * Calls the floor server over `transport` at a fixed rate for `durationMs`, after a warm-up of
 * sequential calls on the same connection. Each latency runs from the start of its call to its
 * completion, as the web tier's hop histogram measures a gatekeeper call.
 *
 * @throws Error when a warm-up call fails, such as when the server refuses the certificate.
 */
export async function runFloor(
  transport: FloorTransport,
  server: FloorServer,
  pki: FloorPki,
  requestsPerSecond: number,
  durationMs: number,
): Promise<LoadResult> {
  const client =
    transport === 'grpc-js' ? await grpcClient(server, pki) : await http2Client(server, pki);
  try {
    for (let n = 0; n < warmUpCalls; n += 1) await client.call();
    return await runAtFixedRate(
      async (_n, _dueAt, recorder) => {
        const startedAt = performance.now();
        try {
          await client.call();
          recorder.latencies.push(performance.now() - startedAt);
        } catch (error) {
          recordFailure(
            recorder,
            error instanceof Error ? error.message : String(error),
            startedAt,
          );
        }
      },
      requestsPerSecond,
      durationMs,
    );
  } finally {
    client.close();
  }
}
