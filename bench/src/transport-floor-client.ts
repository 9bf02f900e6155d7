/**
 * The client side of the transport floor, in a process of its own as the web tier is. It calls
 * the floor server over one transport at a fixed rate, after a warm-up on the same connection,
 * and prints the result as one JSON line. Each latency runs from the start of its call to its
 * completion, as the web tier's hop histogram measures a gatekeeper call.
 */
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';

import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';

import { recordFailure, runAtFixedRate } from './load-generator.js';
import {
  floorMethod,
  floorRequest,
  floorResponses,
  floorServerName,
  floorTransports,
  grpcFrame,
  requiredVariable,
  runFloorProcess,
  type FloorTransport,
} from './transport-floor-protocol.js';

const warmUpCalls = 300;

interface TlsFiles {
  readonly ca: Buffer;
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** A client of one floor transport. */
interface FloorClient {
  /** Makes one call; resolves when it has completed and rejects with the reason when it failed. */
  call(): Promise<void>;
  close(): void;
}

function unexpectedResponse(transport: FloorTransport): string {
  return `the ${transport} call received unexpected bytes: is the port that of the other server?`;
}

function grpcClient(port: number, tls: TlsFiles, callTimeoutMs: number): FloorClient {
  const client = new Client(`127.0.0.1:${port}`, credentials.createSsl(tls.ca, tls.key, tls.cert), {
    'grpc.ssl_target_name_override': floorServerName,
  });
  return {
    call: () =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          floorMethod.path,
          floorMethod.requestSerialize,
          floorMethod.responseDeserialize,
          floorRequest,
          { deadline: Date.now() + callTimeoutMs },
          (error: ServiceError | null, response?: Buffer) => {
            if (error) {
              reject(new Error(`${status[error.code]}: ${error.details}`));
            } else if (response === undefined || !response.equals(floorResponses['grpc-js'])) {
              reject(new Error(unexpectedResponse('grpc-js')));
            } else {
              resolve();
            }
          },
        );
      }),
    close: () => client.close(),
  };
}

function http2Client(port: number, tls: TlsFiles, callTimeoutMs: number): FloorClient {
  const session = http2.connect(`https://127.0.0.1:${port}`, {
    ...tls,
    servername: floorServerName,
  });
  // A failed connection also fails each call that waits on it, through its stream's events.
  session.on('error', () => {});
  const framedRequest = grpcFrame(floorRequest);
  const expected = grpcFrame(floorResponses['node:http2']);
  return {
    call: () =>
      new Promise((resolve, reject) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': floorMethod.path,
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        const chunks: Buffer[] = [];
        let grpcStatus: string | undefined;
        let failure: Error | undefined;
        // A plain timer: against a stopped server, the stream's own timeout did not fire while
        // its session was still connecting.
        const timer = setTimeout(() => {
          failure = new Error(`the call timed out after ${callTimeoutMs} ms`);
          stream.destroy();
        }, callTimeoutMs);
        stream.on('trailers', (trailers: http2.IncomingHttpHeaders) => {
          grpcStatus = String(trailers['grpc-status']);
        });
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (error: Error) => {
          failure ??= error;
        });
        stream.on('close', () => {
          clearTimeout(timer);
          if (failure !== undefined) {
            reject(failure);
          } else if (grpcStatus !== '0') {
            reject(new Error(`the stream closed with grpc-status ${grpcStatus ?? 'missing'}`));
          } else if (!Buffer.concat(chunks).equals(expected)) {
            reject(new Error(unexpectedResponse('node:http2')));
          } else {
            resolve();
          }
        });
        stream.end(framedRequest);
      }),
    close: () => session.close(),
  };
}

await runFloorProcess(async () => {
  const transport = requiredVariable('FLOOR_TRANSPORT') as FloorTransport;
  if (!floorTransports.includes(transport)) {
    throw new Error(`FLOOR_TRANSPORT ${transport} is invalid: use ${floorTransports.join(' or ')}`);
  }
  const port = Number(requiredVariable('FLOOR_PORT'));
  const rate = Number(requiredVariable('FLOOR_RATE'));
  const durationMs = Number(requiredVariable('FLOOR_DURATION_MS'));
  const callTimeoutMs = Number(requiredVariable('FLOOR_CALL_TIMEOUT_MS'));
  const tls = {
    ca: readFileSync(requiredVariable('FLOOR_CA_FILE')),
    key: readFileSync(requiredVariable('FLOOR_KEY_FILE')),
    cert: readFileSync(requiredVariable('FLOOR_CERT_FILE')),
  };

  const client =
    transport === 'grpc-js'
      ? grpcClient(port, tls, callTimeoutMs)
      : http2Client(port, tls, callTimeoutMs);
  try {
    for (let n = 0; n < warmUpCalls; n += 1) await client.call();
    const result = await runAtFixedRate(
      async (_n, _dueAt, recorder) => {
        const startedAt = performance.now();
        try {
          await client.call();
          recorder.latencies.push(performance.now() - startedAt);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          recordFailure(recorder, reason, startedAt);
        }
      },
      rate,
      durationMs,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    client.close();
  }
  // Standard input stays open until the parent closes it, so the process ends here itself.
  process.exit(0);
});
