import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';

import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { spiffeIdOfPeerCertificate } from '../spiffe.js';
import { createCertificateAuthority } from './certificate-authority.js';
import type { PemPair } from './key-material.js';
import { issueWorkloadCertificate } from './workload-certificate.js';

const WEB_ID = 'spiffe://palisade.local/ns/palisade/sa/web';
const GATEKEEPER_ID = 'spiffe://palisade.local/ns/palisade/sa/gatekeeper';

/** A one-method service that replies with the caller's SPIFFE ID read by the server. */
const whoAmIService: grpc.ServiceDefinition = {
  whoAmI: {
    path: '/palisade.test.v1.Identity/WhoAmI',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};
const IdentityClient = grpc.makeGenericClientConstructor(whoAmIService, 'Identity');

let ca: PemPair;
let otherCa: PemPair;
let gatekeeper: PemPair;
let web: PemPair;
let impostor: PemPair;

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: 'Test CA' });
  otherCa = await createCertificateAuthority({ commonName: 'Other CA' });
  gatekeeper = await issueWorkloadCertificate(ca, {
    spiffeId: GATEKEEPER_ID,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  web = await issueWorkloadCertificate(ca, { spiffeId: WEB_ID });
  impostor = await issueWorkloadCertificate(otherCa, { spiffeId: WEB_ID });
});

describe('workload certificates with grpc-js', () => {
  let server: grpc.Server;
  let port: number;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(whoAmIService, {
      whoAmI: (
        call: grpc.ServerUnaryCall<Buffer, Buffer>,
        callback: grpc.sendUnaryData<Buffer>,
      ) => {
        const peer = call.getAuthContext()?.sslPeerCertificate;
        callback(null, Buffer.from(spiffeIdOfPeerCertificate(peer) ?? 'none'));
      },
    });
    const credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(ca.certificatePem),
      [
        {
          cert_chain: Buffer.from(gatekeeper.certificatePem),
          private_key: Buffer.from(gatekeeper.privateKeyPem),
        },
      ],
      true,
    );
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', credentials, (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      );
    });
  });

  afterAll(() => {
    server.forceShutdown();
  });

  function callWhoAmI(client: PemPair, trustedCa: PemPair = ca): Promise<string> {
    const credentials = grpc.credentials.createSsl(
      Buffer.from(trustedCa.certificatePem),
      Buffer.from(client.privateKeyPem),
      Buffer.from(client.certificatePem),
    );
    const stub = new IdentityClient(`127.0.0.1:${port}`, credentials);
    const deadline = Date.now() + 5000;

    return new Promise<string>((resolve, reject) => {
      stub.makeUnaryRequest(
        whoAmIService.whoAmI!.path,
        (value: Buffer) => value,
        (bytes: Buffer) => bytes,
        Buffer.alloc(0),
        { deadline },
        (error, reply) => {
          stub.close();
          if (error) reject(error);
          else resolve((reply as Buffer).toString());
        },
      );
    });
  }

  it('shows the client SPIFFE ID to the server', async () => {
    await expect(callWhoAmI(web)).resolves.toBe(WEB_ID);
  });

  it('rejects a client certificate from another CA', async () => {
    await expect(callWhoAmI(impostor)).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  it('rejects a server the client CA did not sign', async () => {
    await expect(callWhoAmI(web, otherCa)).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });
});

describe('workload certificates with node:tls', () => {
  let server: tls.Server;
  let port: number;
  let acceptedConnections = 0;

  beforeAll(async () => {
    server = tls.createServer(
      {
        ca: ca.certificatePem,
        cert: gatekeeper.certificatePem,
        key: gatekeeper.privateKeyPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => {
        acceptedConnections += 1;
        socket.end(spiffeIdOfPeerCertificate(socket.getPeerCertificate()) ?? 'none');
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => {
    server.close();
  });

  async function connect(client: PemPair): Promise<{ reply: string; serverId?: string }> {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: ca.certificatePem,
      cert: client.certificatePem,
      key: client.privateKeyPem,
    });
    await once(socket, 'secureConnect');
    const serverId = spiffeIdOfPeerCertificate(socket.getPeerCertificate());

    let reply = '';
    for await (const chunk of socket) reply += String(chunk);
    return { reply, serverId };
  }

  it('verifies both peers and exchanges SPIFFE IDs', async () => {
    const { reply, serverId } = await connect(web);

    expect(reply).toBe(WEB_ID);
    expect(serverId).toBe(GATEKEEPER_ID);
  });

  it('rejects a client certificate from another CA', async () => {
    const clientError = once(server, 'tlsClientError');
    const acceptedBefore = acceptedConnections;
    // In TLS 1.3 the client may finish its handshake before the server rejects its certificate,
    // so the client sees either an error or an empty reply.
    const outcome = await connect(impostor).catch((error: unknown) => error);

    await expect(clientError).resolves.toBeDefined();
    expect(acceptedConnections).toBe(acceptedBefore);
    expect(outcome).not.toMatchObject({ reply: WEB_ID });
  });
});
