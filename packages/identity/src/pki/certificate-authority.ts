import { CertificateRequestError } from '../errors.js';
import {
  certificatePem,
  exportPrivateKeyPem,
  generateKeyPair,
  randomSerialNumber,
  SIGNING_ALGORITHM,
  type PemPair,
} from './key-material.js';
import { x509 } from './x509.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Backdating absorbs clock skew between the machine that issues and the one that verifies. */
export const DEFAULT_BACKDATE_MS = 5 * MINUTE_MS;
const DEFAULT_CA_LIFETIME_MS = 365 * DAY_MS;

/** Options for {@link createCertificateAuthority}. */
export interface CertificateAuthorityOptions {
  readonly commonName: string;
  /** Defaults to 5 minutes ago. */
  readonly notBefore?: Date;
  /** Defaults to 365 days after `notBefore`. */
  readonly notAfter?: Date;
}

/**
 * Creates a self-signed EC P-256 certificate authority that may sign workload certificates only
 * (basicConstraints CA with path length 0, keyUsage keyCertSign and cRLSign).
 *
 * @throws {CertificateRequestError} when the common name is empty or the validity is empty.
 */
export async function createCertificateAuthority(
  options: CertificateAuthorityOptions,
): Promise<PemPair> {
  const commonName = options.commonName.trim();
  if (commonName === '') throw new CertificateRequestError('commonName must not be empty');
  const notBefore = options.notBefore ?? new Date(Date.now() - DEFAULT_BACKDATE_MS);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + DEFAULT_CA_LIFETIME_MS);
  assertValidity(notBefore, notAfter);

  const keys = await generateKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [commonName] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });

  return {
    certificatePem: certificatePem(certificate),
    privateKeyPem: await exportPrivateKeyPem(keys.privateKey),
  };
}

/** Rejects a validity period that is empty or has an invalid date. */
export function assertValidity(notBefore: Date, notAfter: Date): void {
  if (Number.isNaN(notBefore.getTime())) throw new CertificateRequestError('notBefore is invalid');
  if (Number.isNaN(notAfter.getTime())) throw new CertificateRequestError('notAfter is invalid');
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new CertificateRequestError(
      `notAfter (${notAfter.toISOString()}) must be later than notBefore (${notBefore.toISOString()})`,
    );
  }
}
