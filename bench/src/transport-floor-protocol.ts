import type { MethodDefinition } from '@grpc/grpc-js';

/**
 * Sizes of the floor's request and response: about those of a profile read, whose request
 * names a user and whose response carries the profile.
 */
export const floorRequest = Buffer.alloc(64, 0x61);
export const floorResponse = Buffer.alloc(256, 0x62);

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
