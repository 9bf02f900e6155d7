import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { spiffeIdOfPeerCertificate, type AuthorizationPolicy } from '@palisade/identity';
import type { Logger } from 'pino';

/**
 * Creates the interceptor that enforces the workload authorisation policy on
 * every call: the caller's SPIFFE ID comes from its mTLS client certificate,
 * never from metadata, and a method the policy does not name is denied.
 */
export function workloadAuthorizationInterceptor(
  policy: AuthorizationPolicy,
  logger: Logger,
): ServerInterceptor {
  return (methodDescriptor, call) => {
    const method = methodDescriptor.path;
    const spiffeId = spiffeIdOfPeerCertificate(call.getAuthContext().sslPeerCertificate);
    const allowed = policy.isAllowed(method, spiffeId);

    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        if (allowed) {
          next(metadata);
          return;
        }
        logger.warn({ method, spiffe_id: spiffeId ?? null }, 'workload call denied by policy');
        call.sendStatus({
          code: status.PERMISSION_DENIED,
          details: `workload ${spiffeId ?? '(no SPIFFE ID)'} may not call ${method}`,
        });
      })
      .build();
    const responder = new ResponderBuilder().withStart((next) => next(listener)).build();
    return new ServerInterceptingCall(call, responder);
  };
}
