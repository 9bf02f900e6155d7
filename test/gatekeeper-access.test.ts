import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { createCertificateAuthority, issueWorkloadCertificate } from '@palisade/identity';
import {
  bearerMetadata,
  connectGatekeeper,
  developmentIdentity,
  getProfile,
  grpcFailure,
  invalidTokenCases,
  request,
  startStack,
  tokenFor,
  type ClientIdentity,
  type GatekeeperClients,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const webSpiffeId = 'spiffe://palisade.local/ns/palisade/sa/web';

let stack: RunningStack;
let web: ClientIdentity;
let alice: string;
const opened: GatekeeperClients[] = [];

beforeAll(async () => {
  stack = await startStack({ database: 'embedded' });
  web = await developmentIdentity(stack, 'web');
  alice = await tokenFor(stack, 'alice');
  // GetProfile reads an existing user; the web tier's GET /api/me creates alice.
  await request(`${stack.webUrl}/api/me`, { token: alice });
});

afterAll(async () => {
  for (const clients of opened) clients.close();
  await stack?.stop();
});

function connect(identity: ClientIdentity): GatekeeperClients {
  const clients = connectGatekeeper(stack, identity);
  opened.push(clients);
  return clients;
}

/** Issues a certificate from the stack's own development CA. */
async function fromDevelopmentCa(spiffeId: string, validity?: { notBefore: Date; notAfter: Date }) {
  const pki = join(stack.home, 'pki');
  const ca = {
    certificatePem: await readFile(join(pki, 'ca.pem'), 'utf8'),
    privateKeyPem: await readFile(join(pki, 'ca-key.pem'), 'utf8'),
  };
  const leaf = await issueWorkloadCertificate(ca, { spiffeId, ...validity });
  return {
    ca: web.ca,
    cert: Buffer.from(leaf.certificatePem),
    key: Buffer.from(leaf.privateKeyPem),
  };
}

describe('gatekeeper transport security', () => {
  it('accepts the web workload certificate', async () => {
    const profile = await getProfile(connect(web), bearerMetadata(alice));
    expect(profile).not.toBeInstanceOf(Error);
  });

  it('rejects a client without a certificate', async () => {
    const error = await grpcFailure(getProfile(connect({ ca: web.ca }), bearerMetadata(alice)));
    expect(error.code).toBe(status.UNAVAILABLE);
  });

  it('rejects a certificate from another CA', async () => {
    const otherCa = await createCertificateAuthority({ commonName: 'Other CA' });
    const leaf = await issueWorkloadCertificate(otherCa, { spiffeId: webSpiffeId });
    const identity = {
      ca: web.ca,
      cert: Buffer.from(leaf.certificatePem),
      key: Buffer.from(leaf.privateKeyPem),
    };
    const error = await grpcFailure(getProfile(connect(identity), bearerMetadata(alice)));
    expect(error.code).toBe(status.UNAVAILABLE);
  });

  it('rejects an expired certificate', async () => {
    const day = 24 * 60 * 60 * 1000;
    const identity = await fromDevelopmentCa(webSpiffeId, {
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
    });
    const error = await grpcFailure(getProfile(connect(identity), bearerMetadata(alice)));
    expect(error.code).toBe(status.UNAVAILABLE);
  });

  it('denies a valid certificate whose SPIFFE ID the policy does not name', async () => {
    const identity = await fromDevelopmentCa('spiffe://palisade.local/ns/palisade/sa/intruder');
    const error = await grpcFailure(getProfile(connect(identity), bearerMetadata(alice)));
    expect(error.code).toBe(status.PERMISSION_DENIED);
  });

  it('denies the CLI identity business methods', async () => {
    const cli = await developmentIdentity(stack, 'palisade-cli');
    const error = await grpcFailure(getProfile(connect(cli), bearerMetadata(alice)));
    expect(error.code).toBe(status.PERMISSION_DENIED);
  });

  it('tells a denied caller nothing about the policy', async () => {
    const cli = await developmentIdentity(stack, 'palisade-cli');
    const error = await grpcFailure(getProfile(connect(cli), bearerMetadata(alice)));
    expect(error.details).not.toContain('spiffe://');
    expect(error.details).not.toContain('GetProfile');
  });

  it('denies an unknown method even to the web identity', async () => {
    const clients = connect(web);
    const error = await new Promise<ServiceError>((resolve) => {
      clients.users.makeUnaryRequest(
        '/palisade.gatekeeper.v1.UserService/DropEverything',
        (value: Buffer) => value,
        (value: Buffer) => value,
        Buffer.alloc(0),
        bearerMetadata(alice),
        { deadline: Date.now() + 5000 },
        (failure) => resolve(failure as ServiceError),
      );
    });
    expect(error.code).toBe(status.PERMISSION_DENIED);
  });
});

describe('gatekeeper end-user authorisation', () => {
  it.each(invalidTokenCases)(
    'returns UNAUTHENTICATED for a token that is %s',
    async (_name, build) => {
      const error = await grpcFailure(getProfile(connect(web), bearerMetadata(await build(stack))));
      expect(error.code).toBe(status.UNAUTHENTICATED);
    },
  );

  it('returns UNAUTHENTICATED without a token', async () => {
    const error = await grpcFailure(getProfile(connect(web), new Metadata()));
    expect(error.code).toBe(status.UNAUTHENTICATED);
  });

  it('denies a regular user the admin service', async () => {
    const clients = connect(web);
    const { userId } = (await request(`${stack.webUrl}/api/me`, { token: alice })).body as {
      userId: string;
    };
    const error = await new Promise<ServiceError | null>((resolve) => {
      clients.admin.deleteUserData({ userId }, bearerMetadata(alice), (failure) =>
        resolve(failure),
      );
    });
    expect(error?.code).toBe(status.PERMISSION_DENIED);
    expect(await stack.query('SELECT 1 FROM app.users WHERE id = $1', [userId])).toHaveLength(1);
  });

  it("denies a user another user's profile", async () => {
    const bob = await tokenFor(stack, 'bob');
    const { userId } = (await request(`${stack.webUrl}/api/me`, { token: bob })).body as {
      userId: string;
    };
    const error = await grpcFailure(getProfile(connect(web), bearerMetadata(alice), userId));
    expect(error.code).toBe(status.PERMISSION_DENIED);
  });

  it('lets an admin read any profile', async () => {
    const admin = await tokenFor(stack, 'admin');
    const { userId } = (await request(`${stack.webUrl}/api/me`, { token: alice })).body as {
      userId: string;
    };
    const profile = await getProfile(connect(web), bearerMetadata(admin), userId);
    expect(profile).toMatchObject({ userId });
  });

  it('sends no SQL or stack trace in error details', async () => {
    const admin = await tokenFor(stack, 'admin');
    const error = await grpcFailure(
      getProfile(connect(web), bearerMetadata(admin), "1' OR '1'='1"),
    );
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).not.toMatch(/SELECT|FROM|\.ts:|\.js:|\n\s+at /);
  });
});
