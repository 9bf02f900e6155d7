import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  createCertificateAuthority,
  issueWorkloadCertificate,
  type PemPair,
} from '@palisade/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readWorkloadCertificate } from './certificate-files.js';
import { ReloadingCertificateProvider } from './reloading-certificate-provider.js';

const spiffeId = 'spiffe://palisade.local/ns/palisade/sa/web';

describe('workload certificate files', () => {
  let folder: string;
  let ca: PemPair;
  let first: PemPair;
  let second: PemPair;
  const files = () => ({
    certFile: join(folder, 'web.pem'),
    keyFile: join(folder, 'web-key.pem'),
    caFile: join(folder, 'ca.pem'),
  });

  async function write(pair: PemPair, key: string = pair.privateKeyPem): Promise<void> {
    await writeFile(files().caFile, ca.certificatePem);
    await writeFile(files().keyFile, key);
    await writeFile(files().certFile, pair.certificatePem);
  }

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-cert-files-'));
    ca = await createCertificateAuthority({ commonName: 'files test CA' });
    first = await issueWorkloadCertificate(ca, { spiffeId });
    second = await issueWorkloadCertificate(ca, { spiffeId });
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads a matching set', async () => {
    await write(first);
    const material = await readWorkloadCertificate(files());
    expect(material.leaf.subjectAltName).toContain(spiffeId);
    expect(material.certificate.toString()).toBe(first.certificatePem);
  });

  it('rejects a key of another certificate', async () => {
    await write(first, second.privateKeyPem);
    await expect(readWorkloadCertificate(files())).rejects.toMatchObject({
      code: 'CERTIFICATE_FILES_INVALID',
      message: `the private key ${files().keyFile} does not belong to ${files().certFile}`,
    });
  });

  it('rejects a certificate that cannot be parsed', async () => {
    await write(first);
    await writeFile(files().certFile, 'not a certificate');
    await expect(readWorkloadCertificate(files())).rejects.toThrow(
      `the certificate ${files().certFile} cannot be parsed`,
    );
  });

  it('names a missing file', async () => {
    await expect(
      readWorkloadCertificate({ ...files(), caFile: join(folder, 'missing.pem') }),
    ).rejects.toThrow(/^the trust bundle file .*missing\.pem cannot be read \(ENOENT\)/);
  });

  it('refuses to start the provider with unusable files', async () => {
    await write(first, second.privateKeyPem);
    await expect(ReloadingCertificateProvider.start({ files: files() })).rejects.toMatchObject({
      code: 'CERTIFICATE_FILES_INVALID',
    });
  });

  it('publishes a new set to its listeners once', async () => {
    await write(first);
    const provider = await ReloadingCertificateProvider.start({ files: files() });
    try {
      const updates: string[] = [];
      provider.addIdentityCertificateListener((update) => {
        updates.push(update?.certificate.toString() ?? 'none');
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(updates).toEqual([first.certificatePem]);

      expect(await provider.reload()).toBe(false);
      await write(second);
      expect(await provider.reload()).toBe(true);
      expect(await provider.reload()).toBe(false);
      expect(updates).toEqual([first.certificatePem, second.certificatePem]);
      expect(provider.certificate.serialNumber).toBe(
        (await readWorkloadCertificate(files())).leaf.serialNumber,
      );
    } finally {
      provider.close();
    }
  });

  it('keeps the current set while the new one is incomplete', async () => {
    await write(first);
    const provider = await ReloadingCertificateProvider.start({ files: files() });
    try {
      const serial = provider.certificate.serialNumber;
      await writeFile(files().keyFile, second.privateKeyPem);
      expect(await provider.reload()).toBe(false);
      expect(provider.certificate.serialNumber).toBe(serial);
    } finally {
      provider.close();
    }
  });
});
