import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';

import { CredentialError, reasonOf } from '../errors.js';

/** Paths of a workload's certificate, its private key and the trust bundle of its peers. */
export interface WorkloadCertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** The PEM contents of {@link WorkloadCertificateFiles}, checked to belong together. */
export interface WorkloadCertificateMaterial {
  readonly certificate: Buffer;
  readonly privateKey: Buffer;
  readonly ca: Buffer;
  /** The leaf certificate, for its serial number, expiry and SAN in logs. */
  readonly leaf: X509Certificate;
}

/**
 * Reads the three files and checks that the key belongs to the certificate and that Node.js
 * accepts them as a TLS context. A certificate and key written one after the other are
 * mismatched for a moment; this check keeps that moment from reaching a TLS handshake.
 *
 * @throws {CredentialError} `CERTIFICATE_FILES_INVALID` naming the file and the problem.
 */
export async function readWorkloadCertificate(
  files: WorkloadCertificateFiles,
): Promise<WorkloadCertificateMaterial> {
  const [certificate, privateKey, ca] = await Promise.all([
    readOrThrow(files.certFile, 'certificate'),
    readOrThrow(files.keyFile, 'private key'),
    readOrThrow(files.caFile, 'trust bundle'),
  ]);

  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certificate);
  } catch (error) {
    throw invalid(`the certificate ${files.certFile} cannot be parsed: ${reasonOf(error)}`, error);
  }
  let keyMatches: boolean;
  try {
    keyMatches = leaf.checkPrivateKey(createPrivateKey(privateKey));
  } catch (error) {
    throw invalid(`the private key ${files.keyFile} cannot be parsed: ${reasonOf(error)}`, error);
  }
  if (!keyMatches) {
    throw invalid(`the private key ${files.keyFile} does not belong to ${files.certFile}`);
  }
  try {
    createSecureContext({ cert: certificate, key: privateKey, ca });
  } catch (error) {
    throw invalid(`the TLS files are not usable together: ${reasonOf(error)}`, error);
  }
  return { certificate, privateKey, ca, leaf };
}

async function readOrThrow(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw invalid(`the ${what} file ${path} cannot be read (${reason}): check the path`, error);
  }
}

function invalid(message: string, cause?: unknown): CredentialError {
  return new CredentialError(
    'CERTIFICATE_FILES_INVALID',
    message,
    cause === undefined ? {} : { cause },
  );
}
