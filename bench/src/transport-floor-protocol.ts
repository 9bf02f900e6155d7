import type { MethodDefinition } from '@grpc/grpc-js';

/**
 * The transports of the floor: `grpc-js` is the library the web tier and the gatekeeper use,
 * and `node:http2` is the same exchange written directly on Node's HTTP/2, the layer below it.
 */
export type FloorTransport = 'grpc-js' | 'node:http2';

export const floorTransports: readonly FloorTransport[] = ['grpc-js', 'node:http2'];

/** The server certificate's DNS name, which the clients check as the web tier checks the gatekeeper's. */
export const floorServerName = 'floor-server';

/**
 * The floor's request, and each server's response: about the sizes of a profile read, whose
 * request names a user and whose response carries the profile. The two responses differ, so a
 * client that reached the other server notices.
 */
export const floorRequest = Buffer.alloc(64, 0x61);
export const floorResponses: Readonly<Record<FloorTransport, Buffer>> = {
  'grpc-js': Buffer.alloc(256, 0x62),
  'node:http2': Buffer.alloc(256, 0x68),
};

/** A unary method whose messages are raw bytes, so that no encoding cost enters the floor. */
export const floorMethod: MethodDefinition<Buffer, Buffer> = {
  path: '/palisade.bench.Floor/Echo',
  requestStream: false,
  responseStream: false,
  requestSerialize: (message) => message,
  requestDeserialize: (bytes) => bytes,
  responseSerialize: (message) => message,
  responseDeserialize: (bytes) => bytes,
};

/** Frames a message as gRPC does on an HTTP/2 stream: not compressed, length, then the bytes. */
export function grpcFrame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** Reads a variable that a floor process requires, naming it when it is missing. */
export function requiredVariable(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is missing`);
  return value;
}

/**
 * Runs the body of a floor process. The process exits when its parent closes standard input,
 * so a benchmark that is killed leaves no floor process behind. A failure becomes one line on
 * standard error, which the parent quotes, and exit code 1.
 */
export async function runFloorProcess(body: () => Promise<void>): Promise<void> {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  try {
    await body();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${reason}\n`);
    process.exit(1);
  }
}
