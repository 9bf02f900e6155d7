import type { PeerCertificate } from 'node:tls';

import { credentials, experimental, type ChannelCredentials } from '@grpc/grpc-js';
import { spiffeIdOfPeerCertificate } from '@palisade/identity';

/** PEM material and the expected server identity of the gatekeeper channel. */
export interface GatekeeperTlsOptions {
  /** CA certificate(s) that sign the gatekeeper's certificate. */
  readonly ca: Buffer;
  /** The web tier's workload certificate and key, presented as the mTLS client certificate. */
  readonly certificate: Buffer;
  readonly privateKey: Buffer;
  /** SPIFFE ID the gatekeeper's certificate must carry as its only URI SAN. */
  readonly serverSpiffeId: string;
}

/** Raised during the TLS handshake when the server is not the expected gatekeeper. */
export class GatekeeperIdentityMismatchError extends Error {
  readonly code = 'GATEKEEPER_IDENTITY_MISMATCH';

  constructor(
    readonly expected: string,
    readonly actual: string | undefined,
  ) {
    super(
      `The server certificate carries SPIFFE ID ${actual ?? '(none)'}, expected ${expected}: ` +
        'check GATEKEEPER_ADDRESS and GATEKEEPER_SPIFFE_ID',
    );
    this.name = 'GatekeeperIdentityMismatchError';
  }
}

/**
 * Returns a TLS server identity check that accepts only a certificate whose SPIFFE ID equals
 * `expected`. It replaces the host name check, because workload certificates name a SPIFFE ID,
 * not a DNS name or address.
 */
export function checkGatekeeperIdentity(expected: string) {
  return (_hostname: string, certificate: PeerCertificate): Error | undefined => {
    const actual = spiffeIdOfPeerCertificate(certificate);
    if (actual === expected) return undefined;
    return new GatekeeperIdentityMismatchError(expected, actual);
  };
}

/** Creates mutual-TLS channel credentials for the gatekeeper. */
export function createGatekeeperCredentials(options: GatekeeperTlsOptions): ChannelCredentials {
  return credentials.createSsl(options.ca, options.privateKey, options.certificate, {
    checkServerIdentity: checkGatekeeperIdentity(options.serverSpiffeId),
  });
}

/**
 * Creates mutual-TLS channel credentials for the gatekeeper whose certificate, key and trust
 * bundle come from `certificates`, such as a `ReloadingCertificateProvider`, so files rotated on
 * disk are used from the next connection on. Open connections keep their certificate until the
 * gatekeeper closes them at its connection age limit; calls on them do not fail.
 */
export function createReloadingGatekeeperCredentials(
  certificates: experimental.CertificateProvider,
  serverSpiffeId: string,
): ChannelCredentials {
  return experimental.createCertificateProviderChannelCredentials(certificates, certificates, {
    checkServerIdentity: checkGatekeeperIdentity(serverSpiffeId),
  });
}
