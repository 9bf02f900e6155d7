import { createPrivateKey, webcrypto } from 'node:crypto';

import { CertificateRequestError } from '../errors.js';
import { x509 } from './x509.js';

/** A certificate and its private key, both PEM encoded (the key as PKCS#8). */
export interface PemPair {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** ECDSA over P-256 with SHA-256: accepted by every TLS stack the services use. */
export const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

/** Generates an extractable EC P-256 key pair. */
export async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

/** Exports a private key as a PKCS#8 PEM block ending in a newline. */
export async function exportPrivateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return `${x509.PemConverter.encode(der, 'PRIVATE KEY')}\n`;
}

/** Encodes a certificate as a PEM block ending in a newline. */
export function certificatePem(certificate: x509.X509Certificate): string {
  return `${certificate.toString('pem')}\n`;
}

/** Imports a PKCS#8 (or SEC 1) EC P-256 private key PEM for signing. */
export async function importSigningKey(privateKeyPem: string): Promise<webcrypto.CryptoKey> {
  let der: Buffer;
  try {
    der = createPrivateKey(privateKeyPem).export({ format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new CertificateRequestError('The CA private key is not a valid PEM private key', {
      cause,
    });
  }

  try {
    return await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
  } catch (cause) {
    throw new CertificateRequestError('The CA private key must be an EC P-256 key', { cause });
  }
}

/** Returns 16 random bytes as a positive hexadecimal serial number (RFC 5280 §4.1.2.2). */
export function randomSerialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  // Clearing the top bit keeps the DER INTEGER positive, and setting the next keeps it 16 bytes.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}
