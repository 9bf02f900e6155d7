import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';

import {
  makeGenericClientConstructor,
  Server,
  type Client,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { ReloadingCertificateProvider, type CredentialLogger } from '@palisade/credentials';
import { listen, mutualTlsCredentials } from '@palisade/gatekeeper';
import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  type PemPair,
} from '@palisade/identity';
import { request, startStack, tokenFor, type RunningStack } from '@palisade/testkit';
import { createReloadingGatekeeperCredentials } from '@palisade/web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const gatekeeperId = 'spiffe://palisade.local/ns/palisade/sa/gatekeeper';
const webId = 'spiffe://palisade.local/ns/palisade/sa/web';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A unary method that returns the serial number of the caller's client certificate. */
const peerService: ServiceDefinition = {
  peerSerial: {
    path: '/palisade.test.Peer/PeerSerial',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};
const PeerClient = makeGenericClientConstructor(peerService, 'Peer');

type PeerSerialClient = Client & {
  peerSerial(
    request: Buffer,
    options: { deadline: number },
    callback: (error: ServiceError | null, response?: Buffer) => void,
  ): void;
};

function callPeerSerial(client: PeerSerialClient): Promise<string> {
  return new Promise((resolve, reject) => {
    client.peerSerial(Buffer.alloc(0), { deadline: Date.now() + 5000 }, (error, response) => {
      if (error) reject(error);
      else resolve(response?.toString('utf8') ?? '');
    });
  });
}

/** Replaces a file by rename, as Kubernetes and cert-manager do. */
async function replaceFile(path: string, contents: string): Promise<void> {
  await writeFile(`${path}.new`, contents);
  await rename(`${path}.new`, path);
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber;
}

/** Returns the serial number of the certificate that a new TLS handshake receives. */
function presentedSerial(port: number, client: { ca: Buffer; cert: Buffer; key: Buffer }) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ...client,
      servername: 'gatekeeper',
      ALPNProtocols: ['h2'],
      // Workload certificates name a SPIFFE ID, not a host; only the serial matters here.
      checkServerIdentity: () => undefined,
    });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.once('error', reject);
  });
}

/** Creates a logger that keeps each message, so a test can see what the reload decided. */
function recordingLogger() {
  const messages: string[] = [];
  const record = (_fields: object, message: string) => void messages.push(message);
  const logger: CredentialLogger = { debug: record, info: record, warn: record, error: record };
  return { logger, messages };
}

describe('workload certificate rotation between the web client and the gatekeeper', () => {
  let folder: string;
  let ca: PemPair;
  let server: Server;
  let port: number;
  let client: PeerSerialClient;
  let clientCertificates: ReloadingCertificateProvider;
  const serverLog = recordingLogger();
  const files = (name: string) => ({
    certFile: join(folder, name, 'cert.pem'),
    keyFile: join(folder, name, 'key.pem'),
    caFile: join(folder, name, 'ca.pem'),
  });

  async function writeIdentity(name: string, pair: PemPair): Promise<void> {
    const paths = files(name);
    await replaceFile(paths.keyFile, pair.privateKeyPem);
    await replaceFile(paths.certFile, pair.certificatePem);
  }

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-cert-rotation-'));
    ca = await createCertificateAuthority({ commonName: 'rotation test CA' });
    for (const [name, spiffeId] of [
      ['gatekeeper', gatekeeperId],
      ['web', webId],
    ] as const) {
      await mkdir(join(folder, name));
      await replaceFile(files(name).caFile, ca.certificatePem);
      await writeIdentity(name, await issueWorkloadCertificate(ca, { spiffeId }));
    }

    // A short connection age makes the client reconnect, and so present its new certificate,
    // within a second; the gatekeeper uses minutes.
    server = new Server({ 'grpc.max_connection_age_ms': 1000 });
    server.addService(peerService, {
      peerSerial: (
        call: { getAuthContext(): { sslPeerCertificate?: { serialNumber: string } } },
        callback: (error: null, response: Buffer) => void,
      ) => {
        const serial = call.getAuthContext().sslPeerCertificate?.serialNumber ?? '';
        callback(null, Buffer.from(serial));
      },
    });
    const credentials = await mutualTlsCredentials(files('gatekeeper'), serverLog.logger);
    port = await listen(server, '127.0.0.1:0', credentials);

    clientCertificates = await ReloadingCertificateProvider.start({ files: files('web') });
    client = new PeerClient(
      `127.0.0.1:${port}`,
      createReloadingGatekeeperCredentials(clientCertificates, gatekeeperId),
      { 'grpc.ssl_target_name_override': 'gatekeeper' },
    ) as unknown as PeerSerialClient;
  });

  afterAll(async () => {
    client?.close();
    clientCertificates?.close();
    server?.forceShutdown();
    await rm(folder, { recursive: true, force: true });
  });

  it('serves calls without failure while both certificates rotate', async () => {
    const oldServerSerial = serialOf(await readFile(files('gatekeeper').certFile, 'utf8'));
    const oldClientSerial = serialOf(await readFile(files('web').certFile, 'utf8'));
    expect(await callPeerSerial(client)).toBe(oldClientSerial);

    const failures: string[] = [];
    let calls = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        await callPeerSerial(client).then(
          () => (calls += 1),
          (error: Error) => failures.push(error.message),
        );
      }
    })();

    const newServer = await issueWorkloadCertificate(ca, { spiffeId: gatekeeperId });
    const newClient = await issueWorkloadCertificate(ca, { spiffeId: webId });
    // The key lands first and the certificate half a second later, so for a while the files
    // do not belong together. The providers must keep the old pair meanwhile.
    const serverPaths = files('gatekeeper');
    await replaceFile(serverPaths.keyFile, newServer.privateKeyPem);
    await replaceFile(files('web').keyFile, newClient.privateKeyPem);
    await sleep(500);
    await replaceFile(serverPaths.certFile, newServer.certificatePem);
    await replaceFile(files('web').certFile, newClient.certificatePem);
    await sleep(2500);
    running = false;
    await load;

    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(50);
    expect(serverLog.messages).toContain(
      'workload certificate files unusable; keeping the current ones',
    );
    expect(serverLog.messages).toContain('workload certificate reloaded');

    const identity = {
      ca: Buffer.from(ca.certificatePem),
      cert: Buffer.from(newClient.certificatePem),
      key: Buffer.from(newClient.privateKeyPem),
    };
    const presented = await presentedSerial(port, identity);
    expect(presented).not.toBe(oldServerSerial);
    expect(presented).toBe(serialOf(newServer.certificatePem));
    expect(await callPeerSerial(client)).toBe(serialOf(newClient.certificatePem));
  });
});

describe('workload certificate rotation in the running stack', () => {
  let stack: RunningStack;

  beforeAll(async () => {
    stack = await startStack({ database: 'embedded' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('reloads the gatekeeper and web certificates without failed requests', async () => {
    const pki = join(stack.home, 'pki');
    const caPair: PemPair = {
      certificatePem: await readFile(join(pki, 'ca.pem'), 'utf8'),
      privateKeyPem: await readFile(join(pki, 'ca-key.pem'), 'utf8'),
    };
    const oldServerSerial = serialOf(await readFile(join(pki, 'gatekeeper.pem'), 'utf8'));
    const token = await tokenFor(stack, 'alice');
    const [gatekeeperHost, gatekeeperPort] = stack.gatekeeperAddress.split(':');
    expect(gatekeeperHost).toBe('127.0.0.1');

    // About 15 requests a second stays well below the web tier's per-user rate limit.
    const statuses: number[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        const response = await request(`${stack.webUrl}/api/me`, { token });
        statuses.push(response.status);
        await sleep(60);
      }
    })();

    await sleep(1000);
    const newGatekeeper = await issueWorkloadCertificate(caPair, {
      spiffeId: gatekeeperId,
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    const newWeb = await issueWorkloadCertificate(caPair, { spiffeId: webId });
    await replaceFile(join(pki, 'gatekeeper-key.pem'), newGatekeeper.privateKeyPem);
    await replaceFile(join(pki, 'gatekeeper.pem'), newGatekeeper.certificatePem);
    await replaceFile(join(pki, 'web-key.pem'), newWeb.privateKeyPem);
    await replaceFile(join(pki, 'web.pem'), newWeb.certificatePem);
    await sleep(3000);
    running = false;
    await load;

    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(30);

    const presented = await presentedSerial(Number(gatekeeperPort), {
      ca: Buffer.from(caPair.certificatePem),
      cert: Buffer.from(newWeb.certificatePem),
      key: Buffer.from(newWeb.privateKeyPem),
    });
    expect(presented).not.toBe(oldServerSerial);
    expect(presented).toBe(serialOf(newGatekeeper.certificatePem));
    expect(stack.output.join('\n')).not.toContain('web exited');
  });
});
