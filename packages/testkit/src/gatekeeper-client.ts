import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AdminServiceClient, UserServiceClient, type Profile } from '@palisade/contracts';

import type { RunningStack } from './stack.js';

export interface ClientIdentity {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** Reads a workload identity that `palisade dev` issued into the stack's home. */
export async function developmentIdentity(
  stack: RunningStack,
  name: string,
): Promise<ClientIdentity> {
  const pki = join(stack.home, 'pki');
  const [ca, cert, key] = await Promise.all([
    readFile(join(pki, 'ca.pem')),
    readFile(join(pki, `${name}.pem`)),
    readFile(join(pki, `${name}-key.pem`)),
  ]);
  return { ca, cert, key };
}

export interface GatekeeperClients {
  readonly users: UserServiceClient;
  readonly admin: AdminServiceClient;
  close(): void;
}

/** Connects straight to the gatekeeper with the given client certificate, bypassing the web tier. */
export function connectGatekeeper(
  stack: RunningStack,
  identity: ClientIdentity,
): GatekeeperClients {
  const channelCredentials = credentials.createSsl(
    identity.ca,
    identity.key ?? null,
    identity.cert ?? null,
  );
  const users = new UserServiceClient(stack.gatekeeperAddress, channelCredentials);
  const admin = new AdminServiceClient(stack.gatekeeperAddress, channelCredentials);
  return {
    users,
    admin,
    close() {
      users.close();
      admin.close();
    },
  };
}

export function bearerMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** Calls GetProfile and resolves with the profile or the ServiceError. */
export function getProfile(
  clients: GatekeeperClients,
  metadata: Metadata,
  userId = '',
): Promise<Profile | ServiceError> {
  return new Promise((resolve) => {
    clients.users.getProfile(
      { userId },
      metadata,
      { deadline: Date.now() + 5000 },
      (error, profile) => resolve(error ?? profile),
    );
  });
}

/** Returns the error a promise rejected with, or throws when it resolved. */
export async function grpcFailure(call: Promise<unknown>): Promise<ServiceError> {
  const result = await call;
  if (result instanceof Error) return result as ServiceError;
  throw new Error(`expected the call to fail, got ${JSON.stringify(result)}`);
}
