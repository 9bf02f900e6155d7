import { status, type Server, type UntypedHandleCall } from '@grpc/grpc-js';

interface RegisteredHandler {
  func: UntypedHandleCall;
  serialize: (value: unknown) => Buffer;
  deserialize: (bytes: Buffer) => unknown;
  type: 'unary';
  path: string;
}

/**
 * Sends calls to unregistered methods through the interceptors, so the
 * policy denies them with PERMISSION_DENIED like any other method it does not
 * name. By itself grpc-js (1.14) answers UNIMPLEMENTED before any interceptor
 * runs, which would tell an unauthorised caller which methods exist.
 *
 * NOTE: this relies on the server's private `handlers` map; the gatekeeper's
 * tests fail if a grpc-js upgrade changes it.
 */
export function routeUnknownMethodsThroughInterceptors(server: Server): void {
  const handlers = (server as unknown as { handlers?: unknown }).handlers;
  if (!(handlers instanceof Map)) {
    throw new Error('grpc-js Server has no handlers map: unknown methods cannot be denied');
  }

  const registered = handlers as Map<string, RegisteredHandler>;
  const lookup = registered.get.bind(registered);
  registered.get = (path: string) => lookup(path) ?? denyingHandler(path);
}

function denyingHandler(path: string): RegisteredHandler {
  return {
    path,
    type: 'unary',
    serialize: () => Buffer.alloc(0),
    deserialize: (bytes) => bytes,
    func: ((_call: unknown, callback: (error: { code: status; details: string }) => void) => {
      callback({ code: status.PERMISSION_DENIED, details: `method ${path} is not allowed` });
    }) as UntypedHandleCall,
  };
}
