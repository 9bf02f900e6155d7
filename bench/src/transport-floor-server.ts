/**
 * The server side of the transport floor: a bare grpc-js server and a bare `node:http2` server,
 * both over mutual TLS, that respond to every call at once with the same bytes. It runs in a
 * process of its own, as the gatekeeper does, and prints `floor listening on <grpc> <http2>`
 * with the two ports once both accept connections.
 */
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

import { Server, ServerCredentials, type handleUnaryCall } from '@grpc/grpc-js';

import { floorMethod, floorResponse, grpcFrame } from './transport-floor-protocol.js';

function requiredFile(name: string): Buffer {
  const path = process.env[name];
  if (path === undefined || path === '') {
    throw new Error(`${name} is not set: give the path of a PEM file`);
  }
  return readFileSync(path);
}

async function main(): Promise<void> {
  const ca = requiredFile('FLOOR_CA_FILE');
  const certificate = requiredFile('FLOOR_CERT_FILE');
  const privateKey = requiredFile('FLOOR_KEY_FILE');

  const echo: handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback(null, floorResponse);

  const grpcServer = new Server();
  grpcServer.addService({ Echo: floorMethod }, { Echo: echo });
  const grpcPort = await new Promise<number>((resolve, reject) => {
    grpcServer.bindAsync(
      '127.0.0.1:0',
      ServerCredentials.createSsl(ca, [{ private_key: privateKey, cert_chain: certificate }], true),
      (error, port) => (error ? reject(error) : resolve(port)),
    );
  });

  // The same exchange as a unary gRPC call, written by hand: headers, one framed message and the
  // grpc-status trailer.
  const http2Server = http2.createSecureServer({
    ca,
    cert: certificate,
    key: privateKey,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const framedResponse = grpcFrame(floorResponse);
  http2Server.on('stream', (stream) => {
    stream.on('data', () => {});
    stream.on('end', () => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(framedResponse);
    });
  });
  await new Promise<void>((resolve) => http2Server.listen(0, '127.0.0.1', resolve));
  const http2Port = (http2Server.address() as AddressInfo).port;

  process.stdout.write(`floor listening on ${grpcPort} ${http2Port}\n`);

  process.once('SIGTERM', () => {
    grpcServer.forceShutdown();
    http2Server.close();
    process.exit(0);
  });
}

try {
  await main();
} catch (error) {
  // One line that the benchmark quotes when the server does not start.
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`transport floor server failed: ${reason}\n`);
  process.exit(1);
}
