import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  type PemPair,
} from '@palisade/identity';

export const WEB_SPIFFE_ID = 'spiffe://palisade.local/ns/palisade/sa/web';
export const GATEKEEPER_SPIFFE_ID = 'spiffe://palisade.local/ns/palisade/sa/gatekeeper';

/** A test CA with the certificates of both ends of the web-to-gatekeeper channel. */
export interface TestPki {
  readonly ca: PemPair;
  readonly gatekeeper: PemPair;
  readonly web: PemPair;
  /** Signed by the same CA but carrying another workload's SPIFFE ID. */
  readonly impostorGatekeeper: PemPair;
}

/** Creates a fresh CA and workload certificates, in memory. */
export async function createTestPki(): Promise<TestPki> {
  const ca = await createCertificateAuthority({ commonName: 'Web test CA' });
  const gatekeeper = await issueWorkloadCertificate(ca, {
    spiffeId: GATEKEEPER_SPIFFE_ID,
    ipAddresses: ['127.0.0.1'],
  });
  const web = await issueWorkloadCertificate(ca, { spiffeId: WEB_SPIFFE_ID });
  const impostorGatekeeper = await issueWorkloadCertificate(ca, {
    spiffeId: 'spiffe://palisade.local/ns/palisade/sa/impostor',
    ipAddresses: ['127.0.0.1'],
  });
  return { ca, gatekeeper, web, impostorGatekeeper };
}
