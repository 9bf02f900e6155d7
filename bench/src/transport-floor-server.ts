/**
 * The server side of the transport floor: a bare grpc-js server and a bare `node:http2` server,
 * both over mutual TLS, that respond to every call at once with fixed bytes. It runs in a process
 * of its own, as the gatekeeper does, and prints `floor listening on <grpc> <http2>` with the two
 * ports once both accept connections.
 */
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

import { Server, ServerCredentials, type handleUnaryCall } from '@grpc/grpc-js';

import {
  floorMethod,
  floorResponses,
  grpcFrame,
  requiredVariable,
  runFloorProcess,
} from './transport-floor-protocol.js';

await runFloorProcess(async () => {
  const ca = readFileSync(requiredVariable('FLOOR_CA_FILE'));
  const certificate = readFileSync(requiredVariable('FLOOR_CERT_FILE'));
  const privateKey = readFileSync(requiredVariable('FLOOR_KEY_FILE'));

  const echo: handleUnaryCall<Buffer, Buffer> = (_call, callback) =>
    callback(null, floorResponses['grpc-js']);
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
  const framedResponse = grpcFrame(floorResponses['node:http2']);
  http2Server.on('stream', (stream) => {
    // A client that resets its stream ends that call only, not the server.
    stream.on('error', () => {});
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
});
