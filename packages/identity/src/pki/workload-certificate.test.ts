import { X509Certificate } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { CertificateRequestError, InvalidSpiffeIdError } from '../errors.js';
import { createCertificateAuthority } from './certificate-authority.js';
import type { PemPair } from './key-material.js';
import { issueWorkloadCertificate } from './workload-certificate.js';
import { x509 } from './x509.js';

const WEB_ID = 'spiffe://palisade.local/ns/palisade/sa/web';
const DAY_MS = 24 * 60 * 60_000;

let ca: PemPair;
let otherCa: PemPair;

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: 'Test CA' });
  otherCa = await createCertificateAuthority({ commonName: 'Other CA' });
});

describe('createCertificateAuthority', () => {
  it('creates a self-signed CA limited to signing', async () => {
    const certificate = new X509Certificate(ca.certificatePem);
    const parsed = new x509.X509Certificate(ca.certificatePem);
    const keyUsage = parsed.getExtension(x509.KeyUsagesExtension);
    const basicConstraints = parsed.getExtension(x509.BasicConstraintsExtension);

    expect(certificate.ca).toBe(true);
    expect(certificate.subject).toBe('CN=Test CA');
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(basicConstraints?.critical).toBe(true);
    expect(basicConstraints?.pathLength).toBe(0);
    expect(keyUsage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(await parsed.isSelfSigned()).toBe(true);
  });

  it('writes the key as PKCS#8 PEM', () => {
    expect(ca.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(ca.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it('uses the given validity', async () => {
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const notAfter = new Date('2031-01-01T00:00:00Z');
    const pair = await createCertificateAuthority({ commonName: 'Dated', notBefore, notAfter });
    const parsed = new x509.X509Certificate(pair.certificatePem);

    expect(parsed.notBefore).toEqual(notBefore);
    expect(parsed.notAfter).toEqual(notAfter);
  });

  it('rejects an empty common name', async () => {
    await expect(createCertificateAuthority({ commonName: ' ' })).rejects.toThrow(
      CertificateRequestError,
    );
  });

  it('rejects notAfter before notBefore', async () => {
    const options = {
      commonName: 'Backwards',
      notBefore: new Date('2030-01-02T00:00:00Z'),
      notAfter: new Date('2030-01-01T00:00:00Z'),
    };
    await expect(createCertificateAuthority(options)).rejects.toThrow(/must be later than/);
  });
});

describe('issueWorkloadCertificate', () => {
  it('puts the SPIFFE ID, DNS names and IPs in the SAN', async () => {
    const pair = await issueWorkloadCertificate(ca, {
      spiffeId: WEB_ID,
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1', '::1'],
    });
    const certificate = new X509Certificate(pair.certificatePem);

    expect(certificate.subjectAltName).toBe(
      `URI:${WEB_ID}, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1`,
    );
  });

  it('signs a leaf with the CA', async () => {
    const pair = await issueWorkloadCertificate(ca, { spiffeId: WEB_ID });
    const certificate = new X509Certificate(pair.certificatePem);
    const caCertificate = new X509Certificate(ca.certificatePem);

    expect(certificate.ca).toBe(false);
    expect(certificate.checkIssued(caCertificate)).toBe(true);
    expect(certificate.verify(caCertificate.publicKey)).toBe(true);
    expect(certificate.subject).toBe('CN=web');
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('allows server and client authentication only', async () => {
    const pair = await issueWorkloadCertificate(ca, { spiffeId: WEB_ID });
    const parsed = new x509.X509Certificate(pair.certificatePem);
    const extendedKeyUsage = parsed.getExtension(x509.ExtendedKeyUsageExtension);
    const keyUsage = parsed.getExtension(x509.KeyUsagesExtension);

    expect(extendedKeyUsage?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(keyUsage?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(parsed.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
  });

  it('defaults to 5 minutes ago for 30 days', async () => {
    const before = Date.now();
    const pair = await issueWorkloadCertificate(ca, { spiffeId: WEB_ID });
    const parsed = new x509.X509Certificate(pair.certificatePem);
    const notBefore = parsed.notBefore.getTime();

    // Certificate times have whole-second precision.
    expect(notBefore).toBeGreaterThanOrEqual(before - 5 * 60_000 - 1000);
    expect(notBefore).toBeLessThanOrEqual(Date.now() - 5 * 60_000);
    expect(parsed.notAfter.getTime() - notBefore).toBe(30 * DAY_MS);
  });

  it('ends no later than the CA', async () => {
    const shortCa = await createCertificateAuthority({
      commonName: 'Short',
      notAfter: new Date(Date.now() + DAY_MS),
    });
    const pair = await issueWorkloadCertificate(shortCa, { spiffeId: WEB_ID });

    expect(new x509.X509Certificate(pair.certificatePem).notAfter).toEqual(
      new x509.X509Certificate(shortCa.certificatePem).notAfter,
    );
  });

  it('rejects an invalid SPIFFE ID', async () => {
    const request = issueWorkloadCertificate(ca, { spiffeId: 'https://palisade.local/web' });
    await expect(request).rejects.toThrow(InvalidSpiffeIdError);
  });

  it('rejects a trust domain ID', async () => {
    const request = issueWorkloadCertificate(ca, { spiffeId: 'spiffe://palisade.local' });
    await expect(request).rejects.toThrow(/names a trust domain, not a workload/);
  });

  it.each(['', 'bad_name', 'a..b', '-leading.example', 'x'.repeat(64)])(
    'rejects DNS name %j',
    async (dnsName) => {
      const request = issueWorkloadCertificate(ca, { spiffeId: WEB_ID, dnsNames: [dnsName] });
      await expect(request).rejects.toThrow(CertificateRequestError);
    },
  );

  it.each(['', '256.0.0.1', 'localhost', '::g'])('rejects IP address %j', async (address) => {
    const request = issueWorkloadCertificate(ca, { spiffeId: WEB_ID, ipAddresses: [address] });
    await expect(request).rejects.toThrow(CertificateRequestError);
  });

  it('rejects a CA key of another CA', async () => {
    const mixed = { certificatePem: ca.certificatePem, privateKeyPem: otherCa.privateKeyPem };
    const request = issueWorkloadCertificate(mixed, { spiffeId: WEB_ID });
    await expect(request).rejects.toThrow(/does not belong to the CA certificate/);
  });

  it('rejects a leaf used as CA', async () => {
    const leaf = await issueWorkloadCertificate(ca, { spiffeId: WEB_ID });
    const request = issueWorkloadCertificate(leaf, { spiffeId: WEB_ID });
    await expect(request).rejects.toThrow(/is not a CA/);
  });

  it('rejects a CA certificate that is not PEM', async () => {
    const broken = { certificatePem: 'not a certificate', privateKeyPem: ca.privateKeyPem };
    const request = issueWorkloadCertificate(broken, { spiffeId: WEB_ID });
    await expect(request).rejects.toThrow(/not a valid PEM certificate/);
  });

  it('rejects a CA key that is not PEM', async () => {
    const broken = { certificatePem: ca.certificatePem, privateKeyPem: 'not a key' };
    const request = issueWorkloadCertificate(broken, { spiffeId: WEB_ID });
    await expect(request).rejects.toThrow(/not a valid PEM private key/);
  });
});
