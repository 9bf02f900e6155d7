import * as grpc from '@grpc/grpc-js';
import {
  AdminServiceService,
  UserServiceService,
  type AdminServiceServer,
  type Profile,
  type UserServiceServer,
} from '@palisade/contracts';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';

import type { TestPki } from './test-pki.js';

/** One call the stub received. */
export interface RecordedCall {
  readonly method: string;
  readonly request: unknown;
  /** Metadata as plain strings, keyed by lower-case name. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Deadline the client set, or `Infinity` when it set none. */
  readonly deadline: grpc.Deadline;
}

/** A status the stub returns instead of a response. */
export interface StubError {
  readonly code: grpc.status;
  readonly details: string;
}

/**
 * A gatekeeper stand-in: a real grpc-js server with mutual TLS on 127.0.0.1, port 0, that records
 * every call and responds with fixed data, or once with `nextError` when it is set.
 */
export interface GatekeeperStub {
  readonly address: string;
  readonly calls: RecordedCall[];
  nextError: StubError | undefined;
  /** Delay before each response, in milliseconds. */
  delayMs: number;
  setServingStatus(status: ServingStatus): void;
  close(): Promise<void>;
}

export const STUB_USER_ID = '5d6f2c1e-8a4b-4c3d-9e2f-1a2b3c4d5e6f';
const FIXED_TIME = new Date('2025-01-02T03:04:05.000Z');

/** Returns the profile the stub responds with, merged with `changes`. */
export function stubProfile(changes: Partial<Profile> = {}): Profile {
  return {
    userId: STUB_USER_ID,
    subject: 'alice',
    displayName: 'Alice',
    email: 'alice@example.com',
    locale: 'en',
    metadata: { team: 'chemistry' },
    createdAt: FIXED_TIME,
    updatedAt: FIXED_TIME,
    ...changes,
  };
}

/** Starts a gatekeeper stub presenting `certificate` (the gatekeeper's by default). */
export async function startGatekeeperStub(
  pki: TestPki,
  certificate = pki.gatekeeper,
): Promise<GatekeeperStub> {
  const server = new grpc.Server();
  const health = new HealthImplementation({ '': 'SERVING' });
  const stub: GatekeeperStub = {
    address: '',
    calls: [],
    nextError: undefined,
    delayMs: 0,
    setServingStatus: (status) => health.setStatus('', status),
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };

  function respondTo<Request, Response>(
    method: string,
    respond: (request: Request) => Response,
  ): grpc.handleUnaryCall<Request, Response> {
    return (call, callback) => {
      stub.calls.push({
        method,
        request: call.request,
        metadata: metadataRecord(call.metadata),
        deadline: call.getDeadline(),
      });
      setTimeout(() => {
        const error = stub.nextError;
        stub.nextError = undefined;
        if (error)
          callback({ code: error.code, details: error.details, metadata: new grpc.Metadata() });
        else callback(null, respond(call.request));
      }, stub.delayMs);
    };
  }

  const users: UserServiceServer = {
    ensureUser: respondTo('EnsureUser', () => stubProfile()),
    getProfile: respondTo('GetProfile', () => stubProfile()),
    updateProfile: respondTo('UpdateProfile', (request) =>
      stubProfile({
        ...(request.displayName !== undefined ? { displayName: request.displayName } : {}),
        ...(request.email !== undefined ? { email: request.email } : {}),
        ...(request.locale !== undefined ? { locale: request.locale } : {}),
        ...(request.metadata !== undefined ? { metadata: request.metadata } : {}),
      }),
    ),
  };
  const admin: AdminServiceServer = {
    deleteUserData: respondTo('DeleteUserData', (request) => ({
      userId: request.userId,
      deletedAt: FIXED_TIME,
    })),
    listAuditEvents: respondTo('ListAuditEvents', (request) => ({
      events: [
        {
          id: '1',
          actorId: STUB_USER_ID,
          actorSubject: 'alice',
          action: request.action || 'profile.update',
          targetType: 'user',
          targetId: STUB_USER_ID,
          requestId: 'request-1',
          occurredAt: FIXED_TIME,
        },
      ],
      nextPageToken: request.pageToken === '' ? 'page-2' : '',
    })),
  };
  server.addService(UserServiceService, users);
  server.addService(AdminServiceService, admin);
  health.addToServer(server);

  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(pki.ca.certificatePem),
    [
      {
        cert_chain: Buffer.from(certificate.certificatePem),
        private_key: Buffer.from(certificate.privateKeyPem),
      },
    ],
    true,
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
  return Object.assign(stub, { address: `127.0.0.1:${port}` });
}

function metadataRecord(metadata: grpc.Metadata): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) record[key] = String(value);
  return record;
}
