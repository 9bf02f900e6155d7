import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CertificateRequestError, InvalidSpiffeIdError } from '../errors.js';
import { createCertificateAuthority } from './certificate-authority.js';
import {
  certificateAuthorityFiles,
  ensureDevelopmentPki,
  workloadFiles,
  type DevelopmentWorkload,
} from './development-pki.js';
import type { PemPair } from './key-material.js';
import { issueWorkloadCertificate } from './workload-certificate.js';

const DAY_MS = 24 * 60 * 60_000;
const WEB: DevelopmentWorkload = {
  name: 'web',
  spiffeId: 'spiffe://palisade.local/ns/palisade/sa/web',
};
const GATEKEEPER: DevelopmentWorkload = {
  name: 'gatekeeper',
  spiffeId: 'spiffe://palisade.local/ns/palisade/sa/gatekeeper',
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1', '::1'],
};
const WORKLOADS = [WEB, GATEKEEPER];

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'palisade-pki-'));
  dir = join(root, 'pki');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function modeOf(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

async function readCa(): Promise<PemPair> {
  const files = certificateAuthorityFiles(dir);
  return {
    certificatePem: await readFile(files.certFile, 'utf8'),
    privateKeyPem: await readFile(files.keyFile, 'utf8'),
  };
}

async function writePair(files: { certFile: string; keyFile: string }, pair: PemPair) {
  await writeFile(files.certFile, pair.certificatePem);
  await writeFile(files.keyFile, pair.privateKeyPem);
}

describe('ensureDevelopmentPki', () => {
  it('creates the CA and every workload', async () => {
    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual(['ca', 'web', 'gatekeeper']);
    expect(pki.caFile).toBe(join(dir, 'ca.pem'));
    expect(pki.workloads.web).toEqual({
      certFile: join(dir, 'web.pem'),
      keyFile: join(dir, 'web-key.pem'),
      spiffeId: WEB.spiffeId,
    });
    expect(new X509Certificate(await readFile(join(dir, 'gatekeeper.pem'))).subjectAltName).toBe(
      `URI:${GATEKEEPER.spiffeId}, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1`,
    );
  });

  it('keeps keys private', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);

    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(await modeOf(join(dir, 'web-key.pem'))).toBe(0o600);
    expect(await modeOf(join(dir, 'web.pem'))).toBe(0o644);
  });

  it('leaves no temporary files', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);

    expect((await readdir(dir)).sort()).toEqual([
      'ca-key.pem',
      'ca.pem',
      'gatekeeper-key.pem',
      'gatekeeper.pem',
      'web-key.pem',
      'web.pem',
    ]);
  });

  it('reuses current files', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    const before = await readFile(join(dir, 'web.pem'), 'utf8');

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual([]);
    expect(await readFile(join(dir, 'web.pem'), 'utf8')).toBe(before);
  });

  it('tightens a reused key file mode', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    await chmod(join(dir, 'web-key.pem'), 0o644);
    await chmod(join(dir, 'ca-key.pem'), 0o644);
    await chmod(dir, 0o755);

    await ensureDevelopmentPki(dir, WORKLOADS);

    expect(await modeOf(join(dir, 'web-key.pem'))).toBe(0o600);
    expect(await modeOf(join(dir, 'ca-key.pem'))).toBe(0o600);
    expect(await modeOf(dir)).toBe(0o700);
  });

  it('reissues when the SPIFFE ID changes', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    const renamed = { ...WEB, spiffeId: 'spiffe://palisade.local/ns/palisade/sa/web-v2' };

    const pki = await ensureDevelopmentPki(dir, [renamed, GATEKEEPER]);

    expect(pki.issued).toEqual(['web']);
    expect(new X509Certificate(await readFile(join(dir, 'web.pem'))).subjectAltName).toBe(
      `URI:${renamed.spiffeId}`,
    );
  });

  it('reissues when the DNS names change', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    const moved = { ...GATEKEEPER, dnsNames: ['gatekeeper.palisade.svc'] };

    const pki = await ensureDevelopmentPki(dir, [WEB, moved]);

    expect(pki.issued).toEqual(['gatekeeper']);
  });

  it('reissues a certificate expiring within 7 days', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    const expiring = await issueWorkloadCertificate(await readCa(), {
      spiffeId: WEB.spiffeId,
      notAfter: new Date(Date.now() + 6 * DAY_MS),
    });
    await writePair(workloadFiles(dir, 'web'), expiring);

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual(['web']);
  });

  it('keeps a certificate valid for 8 more days', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    const current = await issueWorkloadCertificate(await readCa(), {
      spiffeId: WEB.spiffeId,
      notAfter: new Date(Date.now() + 8 * DAY_MS),
    });
    await writePair(workloadFiles(dir, 'web'), current);

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual([]);
  });

  it('reissues a certificate not yet valid', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    const future = await issueWorkloadCertificate(await readCa(), {
      spiffeId: WEB.spiffeId,
      notBefore: new Date(Date.now() + DAY_MS),
    });
    await writePair(workloadFiles(dir, 'web'), future);

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual(['web']);
  });

  it('reissues a certificate signed by another CA', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    const otherCa = await createCertificateAuthority({ commonName: 'Test CA' });
    await writePair(
      workloadFiles(dir, 'web'),
      await issueWorkloadCertificate(otherCa, { spiffeId: WEB.spiffeId }),
    );

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual(['web']);
  });

  it('reissues when the key does not match', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    const other = await issueWorkloadCertificate(await readCa(), { spiffeId: WEB.spiffeId });
    await writeFile(join(dir, 'web-key.pem'), other.privateKeyPem);

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual(['web']);
  });

  it('reissues when the key is missing', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    await rm(join(dir, 'gatekeeper-key.pem'));

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual(['gatekeeper']);
  });

  it('recreates everything when the CA is missing', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    await rm(join(dir, 'ca.pem'));

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual(['ca', 'web', 'gatekeeper']);
  });

  it('recreates everything when the CA is unreadable', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\ngarbage\n');

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual(['ca', 'web', 'gatekeeper']);
  });

  it('recreates everything when the CA expires within 7 days', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    const expiring = await createCertificateAuthority({
      commonName: 'Expiring',
      notAfter: new Date(Date.now() + 6 * DAY_MS),
    });
    await writePair(certificateAuthorityFiles(dir), expiring);

    const pki = await ensureDevelopmentPki(dir, WORKLOADS);

    expect(pki.issued).toEqual(['ca', 'web', 'gatekeeper']);
    expect(await readCa()).not.toEqual(expiring);
  });

  it('signs workloads with the current CA', async () => {
    await ensureDevelopmentPki(dir, WORKLOADS);
    await rm(join(dir, 'ca-key.pem'));
    await ensureDevelopmentPki(dir, WORKLOADS);

    const ca = new X509Certificate(await readFile(join(dir, 'ca.pem')));
    const web = new X509Certificate(await readFile(join(dir, 'web.pem')));

    expect(web.verify(ca.publicKey)).toBe(true);
  });

  it.each(['ca', 'web-key', 'Web', 'web/../ca', '', '-web'])(
    'rejects workload name %j',
    async (name) => {
      const request = ensureDevelopmentPki(dir, [{ ...WEB, name }]);
      await expect(request).rejects.toThrow(CertificateRequestError);
    },
  );

  it('rejects a workload listed twice', async () => {
    const request = ensureDevelopmentPki(dir, [WEB, WEB]);
    await expect(request).rejects.toThrow(/listed twice/);
  });

  it('rejects an invalid SPIFFE ID before writing', async () => {
    const request = ensureDevelopmentPki(dir, [{ ...WEB, spiffeId: 'spiffe://Palisade/web' }]);

    await expect(request).rejects.toThrow(InvalidSpiffeIdError);
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('workloadFiles', () => {
  it('names the certificate and key files', () => {
    expect(workloadFiles('/pki', 'web')).toEqual({
      certFile: '/pki/web.pem',
      keyFile: '/pki/web-key.pem',
    });
  });
});
