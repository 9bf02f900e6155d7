import { createPrivateKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { CertificateRequestError } from '../errors.js';
import { parseSpiffeId } from '../spiffe.js';
import { writeFileAtomically } from './atomic-file.js';
import { createCertificateAuthority } from './certificate-authority.js';
import type { PemPair } from './key-material.js';
import { issueWorkloadCertificate } from './workload-certificate.js';
import { x509 } from './x509.js';

/** Certificates expiring sooner than this are replaced, so none lapses while the stack runs. */
const RENEW_BEFORE_MS = 7 * 24 * 60 * 60_000;
const CA_COMMON_NAME = 'Palisade development CA';
const WORKLOAD_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const PRIVATE_FILE_MODE = 0o600;
const PUBLIC_FILE_MODE = 0o644;
const DIRECTORY_MODE = 0o700;

/** A workload that needs a certificate; `name` becomes the file name. */
export interface DevelopmentWorkload {
  readonly name: string;
  readonly spiffeId: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/** Paths of one certificate and its private key. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The files of a development PKI, ready to pass to TLS or gRPC credentials. */
export interface DevelopmentPki {
  readonly caFile: string;
  readonly workloads: Record<string, CertificateFiles & { readonly spiffeId: string }>;
  /** `ca` and the workload names whose files were written by this call; empty when all were reused. */
  readonly issued: readonly string[];
}

/** Returns the paths of a workload's certificate (`<name>.pem`) and key (`<name>-key.pem`). */
export function workloadFiles(dir: string, name: string): CertificateFiles {
  return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}-key.pem`) };
}

/** Returns the paths of the CA certificate (`ca.pem`) and key (`ca-key.pem`). */
export function certificateAuthorityFiles(dir: string): CertificateFiles {
  return workloadFiles(dir, 'ca');
}

/**
 * Makes sure `dir` contains a development CA and a current certificate for each workload,
 * reusing the files already there when they are still good.
 *
 * The CA, and with it every workload certificate, is recreated when its files are missing or
 * unreadable, its key does not match, or it expires within 7 days. A workload certificate is
 * reissued when it expires within 7 days, is not yet valid, was not signed by the current CA, or
 * its key, SPIFFE ID, DNS names or IP addresses differ from the request. Keys are written with
 * mode 0600 in a 0700 folder, each file atomically.
 *
 * NOTE: two processes running this at once on the same folder can interleave their writes. Each
 * file stays whole, and the next run replaces any pair whose key or CA signature does not match.
 *
 * @throws {CertificateRequestError} for an invalid or duplicate workload name, or an invalid DNS name or IP.
 * @throws {InvalidSpiffeIdError} for an invalid SPIFFE ID.
 */
export async function ensureDevelopmentPki(
  dir: string,
  workloads: readonly DevelopmentWorkload[],
): Promise<DevelopmentPki> {
  assertWorkloadNames(workloads);
  workloads.forEach((workload) => parseSpiffeId(workload.spiffeId));

  await mkdir(dir, { recursive: true, mode: DIRECTORY_MODE });
  await chmod(dir, DIRECTORY_MODE);

  const issued: string[] = [];
  const caFiles = certificateAuthorityFiles(dir);
  let ca = await loadCertificateAuthority(caFiles);
  if (ca === undefined) {
    ca = await createCertificateAuthority({ commonName: CA_COMMON_NAME });
    await writePemPair(caFiles, ca);
    issued.push('ca');
  }
  const caCertificate = new NodeX509Certificate(ca.certificatePem);

  const result: DevelopmentPki['workloads'] = {};
  for (const workload of workloads) {
    const files = workloadFiles(dir, workload.name);
    if (!(await isWorkloadCertificateCurrent(files, workload, caCertificate))) {
      await writePemPair(files, await issueWorkloadCertificate(ca, workload));
      issued.push(workload.name);
    }
    result[workload.name] = { ...files, spiffeId: workload.spiffeId };
  }

  return { caFile: caFiles.certFile, workloads: result, issued };
}

function assertWorkloadNames(workloads: readonly DevelopmentWorkload[]): void {
  const seen = new Set<string>();
  for (const { name } of workloads) {
    // "ca" and "*-key" would share a file with the CA or with another workload's key.
    if (!WORKLOAD_NAME_PATTERN.test(name) || name === 'ca' || name.endsWith('-key')) {
      throw new CertificateRequestError(
        `Workload name ${JSON.stringify(name)} is invalid: use lower-case letters, digits and "-", not "ca" and not ending in "-key"`,
      );
    }
    if (seen.has(name)) {
      throw new CertificateRequestError(`Workload name ${JSON.stringify(name)} is listed twice`);
    }
    seen.add(name);
  }
}

async function writePemPair(files: CertificateFiles, pair: PemPair): Promise<void> {
  // The key goes first: a crash before the certificate is written leaves a mismatched pair,
  // which the next run detects and replaces.
  await writeFileAtomically(files.keyFile, pair.privateKeyPem, PRIVATE_FILE_MODE);
  await writeFileAtomically(files.certFile, pair.certificatePem, PUBLIC_FILE_MODE);
}

async function readPemPair(files: CertificateFiles): Promise<PemPair | undefined> {
  try {
    return {
      certificatePem: await readFile(files.certFile, 'utf8'),
      privateKeyPem: await readFile(files.keyFile, 'utf8'),
    };
  } catch {
    // Missing or unreadable files are replaced, and a folder that cannot be written fails below.
    return undefined;
  }
}

async function loadCertificateAuthority(files: CertificateFiles): Promise<PemPair | undefined> {
  const pair = await readPemPair(files);
  if (pair === undefined) return undefined;

  const certificate = parseCertificate(pair);
  if (certificate === undefined || !certificate.ca) return undefined;
  if (!certificate.verify(certificate.publicKey)) return undefined;
  if (!isWithinRenewalWindow(certificate)) return undefined;

  await chmod(files.keyFile, PRIVATE_FILE_MODE);
  return pair;
}

async function isWorkloadCertificateCurrent(
  files: CertificateFiles,
  workload: DevelopmentWorkload,
  caCertificate: NodeX509Certificate,
): Promise<boolean> {
  const pair = await readPemPair(files);
  if (pair === undefined) return false;

  const certificate = parseCertificate(pair);
  if (certificate === undefined || certificate.ca) return false;
  if (!certificate.checkIssued(caCertificate)) return false;
  if (!certificate.verify(caCertificate.publicKey)) return false;
  if (!isWithinRenewalWindow(certificate)) return false;
  if (!hasRequestedNames(certificate, workload)) return false;

  await chmod(files.keyFile, PRIVATE_FILE_MODE);
  return true;
}

/** Parses a certificate and checks that the private key belongs to it. */
function parseCertificate(pair: PemPair): NodeX509Certificate | undefined {
  try {
    const certificate = new NodeX509Certificate(pair.certificatePem);
    const keyMatches = certificate.checkPrivateKey(createPrivateKey(pair.privateKeyPem));
    return keyMatches ? certificate : undefined;
  } catch {
    return undefined;
  }
}

function isWithinRenewalWindow(certificate: NodeX509Certificate): boolean {
  const now = Date.now();
  const notBefore = new Date(certificate.validFrom).getTime();
  const notAfter = new Date(certificate.validTo).getTime();
  return notBefore <= now && notAfter - now > RENEW_BEFORE_MS;
}

function hasRequestedNames(
  certificate: NodeX509Certificate,
  workload: DevelopmentWorkload,
): boolean {
  const extension = new x509.X509Certificate(certificate.raw).getExtension(
    x509.SubjectAlternativeNameExtension,
  );
  const names = extension?.names.toJSON() ?? [];
  const valuesOf = (type: string): string[] =>
    names.filter((name) => name.type === type).map((name) => name.value);

  const uris = valuesOf('url');
  return (
    uris.length === 1 &&
    uris[0] === workload.spiffeId &&
    sameSet(valuesOf('dns'), workload.dnsNames ?? []) &&
    sameSet(valuesOf('ip').map(canonicalIp), (workload.ipAddresses ?? []).map(canonicalIp))
  );
}

/** Writes an IP address in one canonical form, so `::1` and `0:0:0:0:0:0:0:1` compare equal. */
function canonicalIp(address: string): string {
  const host = address.includes(':') ? `[${address}]` : address;
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return address;
  }
}

function sameSet(actual: readonly string[], expected: readonly string[]): boolean {
  const left = [...new Set(actual)].sort();
  const right = [...new Set(expected)].sort();
  return left.length === right.length && left.every((value, index) => value === right[index]);
}
