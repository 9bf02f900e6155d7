import { createPrivateKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

import { CertificateRequestError } from '../errors.js';
import { parseSpiffeId } from '../spiffe.js';
import { assertValidity, DEFAULT_BACKDATE_MS } from './certificate-authority.js';
import {
  certificatePem,
  exportPrivateKeyPem,
  generateKeyPair,
  importSigningKey,
  randomSerialNumber,
  SIGNING_ALGORITHM,
  type PemPair,
} from './key-material.js';
import { x509 } from './x509.js';

const DEFAULT_WORKLOAD_LIFETIME_MS = 30 * 24 * 60 * 60_000;
const MAX_DNS_NAME_LENGTH = 253;
const DNS_LABEL_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** X.520 upper bound for a common name. */
const MAX_COMMON_NAME_LENGTH = 64;

/** Options for {@link issueWorkloadCertificate}. */
export interface WorkloadCertificateOptions {
  /** The workload's SPIFFE ID; it needs a path, such as `/ns/palisade/sa/web`. */
  readonly spiffeId: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** Defaults to 5 minutes ago. */
  readonly notBefore?: Date;
  /** Defaults to 30 days after `notBefore`; cut back to the CA's own expiry when later. */
  readonly notAfter?: Date;
}

/**
 * Issues an X.509-SVID, which is an EC P-256 leaf certificate signed by `ca`. Its subject
 * alternative names are exactly one URI (the SPIFFE ID) plus the given DNS names and IP
 * addresses. It is valid for TLS server and client authentication and cannot sign certificates.
 *
 * @throws {InvalidSpiffeIdError} when `spiffeId` is invalid.
 * @throws {CertificateRequestError} when a name, the validity or the CA material is invalid.
 */
export async function issueWorkloadCertificate(
  ca: PemPair,
  options: WorkloadCertificateOptions,
): Promise<PemPair> {
  const spiffeId = parseSpiffeId(options.spiffeId);
  if (spiffeId.path === '') {
    throw new CertificateRequestError(
      `spiffeId ${spiffeId.toString()} names a trust domain, not a workload: add a path such as /ns/<namespace>/sa/<service-account>`,
    );
  }
  const dnsNames = options.dnsNames ?? [];
  const ipAddresses = options.ipAddresses ?? [];
  dnsNames.forEach(assertDnsName);
  ipAddresses.forEach(assertIpAddress);

  const caCertificate = parseCaCertificate(ca);
  const signingKey = await importSigningKey(ca.privateKeyPem);
  const notBefore = options.notBefore ?? new Date(Date.now() - DEFAULT_BACKDATE_MS);
  const requestedNotAfter =
    options.notAfter ?? new Date(notBefore.getTime() + DEFAULT_WORKLOAD_LIFETIME_MS);
  // A leaf outliving its CA would fail verification after the CA expires anyway.
  const notAfter = new Date(
    Math.min(requestedNotAfter.getTime(), caCertificate.notAfter.getTime()),
  );
  assertValidity(notBefore, notAfter);

  const keys = await generateKeyPair();
  const lastSegment = spiffeId.path.split('/').pop() ?? '';
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ CN: [lastSegment.slice(0, MAX_COMMON_NAME_LENGTH)] }],
    issuer: caCertificate.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: spiffeId.toString() },
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate.publicKey),
    ],
  });

  return {
    certificatePem: certificatePem(certificate),
    privateKeyPem: await exportPrivateKeyPem(keys.privateKey),
  };
}

/** Parses the CA certificate and checks that it is a CA and that the private key belongs to it. */
function parseCaCertificate(ca: PemPair): x509.X509Certificate {
  let nodeCertificate: NodeX509Certificate;
  try {
    nodeCertificate = new NodeX509Certificate(ca.certificatePem);
  } catch (cause) {
    throw new CertificateRequestError('The CA certificate is not a valid PEM certificate', {
      cause,
    });
  }
  if (!nodeCertificate.ca) {
    throw new CertificateRequestError(
      `The certificate ${nodeCertificate.subject} is not a CA (basicConstraints CA is not set)`,
    );
  }

  let keyMatches: boolean;
  try {
    keyMatches = nodeCertificate.checkPrivateKey(createPrivateKey(ca.privateKeyPem));
  } catch (cause) {
    throw new CertificateRequestError('The CA private key is not a valid PEM private key', {
      cause,
    });
  }
  if (!keyMatches) {
    throw new CertificateRequestError('The CA private key does not belong to the CA certificate');
  }

  return new x509.X509Certificate(nodeCertificate.raw);
}

function assertDnsName(name: string): void {
  const valid =
    typeof name === 'string' &&
    name.length <= MAX_DNS_NAME_LENGTH &&
    name.split('.').every((label) => DNS_LABEL_PATTERN.test(label));
  if (!valid) {
    throw new CertificateRequestError(
      `DNS name ${JSON.stringify(name)} is invalid: use a host name such as "localhost" or "gatekeeper.palisade.svc"`,
    );
  }
}

function assertIpAddress(address: string): void {
  if (isIP(address) === 0) {
    throw new CertificateRequestError(
      `IP address ${JSON.stringify(address)} is invalid: use an IPv4 or IPv6 address such as "127.0.0.1"`,
    );
  }
}
