import { X509Certificate } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { InvalidSpiffeIdError } from './errors.js';
import { x509 } from './pki/x509.js';
import { isValidTrustDomain, parseSpiffeId, spiffeIdOfPeerCertificate } from './spiffe.js';

const WEB_ID = 'spiffe://palisade.local/ns/palisade/sa/web';

function ruleOf(value: string): string {
  try {
    parseSpiffeId(value);
  } catch (error) {
    if (error instanceof InvalidSpiffeIdError) return error.rule;
    throw error;
  }
  throw new Error(`expected ${value} to be rejected`);
}

describe('parseSpiffeId', () => {
  it('splits trust domain and path', () => {
    const id = parseSpiffeId(WEB_ID);

    expect(id.trustDomain).toBe('palisade.local');
    expect(id.path).toBe('/ns/palisade/sa/web');
    expect(id.toString()).toBe(WEB_ID);
    expect(String(id)).toBe(WEB_ID);
  });

  it('accepts a trust domain ID', () => {
    expect(parseSpiffeId('spiffe://palisade.local').path).toBe('');
  });

  it('accepts every allowed character', () => {
    const value = 'spiffe://a-b_c.9/A-z_0.9/x..y';
    expect(parseSpiffeId(value).toString()).toBe(value);
  });

  it.each([
    ['', 'it must be a non-empty string'],
    ['https://palisade.local/web', 'the scheme must be "spiffe://" in lower case'],
    ['SPIFFE://palisade.local/web', 'the scheme must be "spiffe://" in lower case'],
    ['spiffe:/palisade.local/web', 'the scheme must be "spiffe://" in lower case'],
    ['spiffe://palisade.local/web?x=1', 'a query is not allowed'],
    ['spiffe://palisade.local/web#top', 'a fragment is not allowed'],
    ['spiffe:///web', 'the trust domain is missing'],
    ['spiffe://', 'the trust domain is missing'],
    ['spiffe://user@palisade.local/web', 'userinfo is not allowed in the trust domain'],
    ['spiffe://palisade.local:8443/web', 'a port is not allowed in the trust domain'],
    [
      'spiffe://Palisade.local/web',
      'the trust domain may contain only lower-case letters, digits, ".", "-" and "_"',
    ],
    [
      'spiffe://palisade%2elocal/web',
      'the trust domain may contain only lower-case letters, digits, ".", "-" and "_"',
    ],
    ['spiffe://palisade.local/', 'path segments must not be empty (no "//" and no trailing "/")'],
    [
      'spiffe://palisade.local//web',
      'path segments must not be empty (no "//" and no trailing "/")',
    ],
    [
      'spiffe://palisade.local/web/',
      'path segments must not be empty (no "//" and no trailing "/")',
    ],
    ['spiffe://palisade.local/ns/./web', 'path segments must not be "." or ".."'],
    ['spiffe://palisade.local/ns/../admin', 'path segments must not be "." or ".."'],
    [
      'spiffe://palisade.local/w%20eb',
      'path segments may contain only letters, digits, ".", "-" and "_"',
    ],
    [
      'spiffe://palisade.local/wéb',
      'path segments may contain only letters, digits, ".", "-" and "_"',
    ],
  ])('rejects %j', (value, rule) => {
    expect(ruleOf(value)).toBe(rule);
  });

  it('rejects a trust domain over 255 characters', () => {
    expect(ruleOf(`spiffe://${'a'.repeat(256)}/web`)).toBe(
      'the trust domain must not exceed 255 characters',
    );
  });

  it('accepts exactly 2048 bytes', () => {
    const prefix = 'spiffe://palisade.local/';
    const value = prefix + 'a'.repeat(2048 - prefix.length);
    expect(parseSpiffeId(value).toString()).toBe(value);
  });

  it('rejects more than 2048 bytes', () => {
    const prefix = 'spiffe://palisade.local/';
    expect(ruleOf(prefix + 'a'.repeat(2049 - prefix.length))).toBe('it must not exceed 2048 bytes');
  });

  it('names the value and rule in the message', () => {
    expect(() => parseSpiffeId('spiffe://palisade.local/a/../b')).toThrow(
      'Invalid SPIFFE ID "spiffe://palisade.local/a/../b": path segments must not be "." or ".."',
    );
  });

  it('shortens a long value in the message', () => {
    const error = (() => {
      try {
        parseSpiffeId(`http://${'a'.repeat(5000)}`);
      } catch (caught) {
        return caught as InvalidSpiffeIdError;
      }
      throw new Error('expected a rejection');
    })();

    expect(error.code).toBe('INVALID_SPIFFE_ID');
    expect(error.message.length).toBeLessThan(300);
    expect(error.value).toHaveLength(5007);
  });
});

describe('isValidTrustDomain', () => {
  it.each([
    ['palisade.local', true],
    ['palisade.local:443', false],
    ['Palisade.local', false],
    ['', false],
  ])('returns %s → %s', (value, valid) => {
    expect(isValidTrustDomain(value)).toBe(valid);
  });
});

describe('spiffeIdOfPeerCertificate', () => {
  /** Issues a certificate with arbitrary SANs, bypassing the issuer's validation. */
  async function subjectAltNameOf(names: x509.JsonGeneralNames): Promise<string | undefined> {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=test',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.SubjectAlternativeNameExtension(names)],
    });
    return new X509Certificate(certificate.toString('pem')).subjectAltName;
  }

  it('returns the single SPIFFE ID', async () => {
    const subjectaltname = await subjectAltNameOf([
      { type: 'url', value: WEB_ID },
      { type: 'dns', value: 'localhost' },
    ]);
    expect(spiffeIdOfPeerCertificate({ subjectaltname })).toBe(WEB_ID);
  });

  it('returns undefined without a certificate', () => {
    expect(spiffeIdOfPeerCertificate(undefined)).toBeUndefined();
  });

  it('returns undefined without SANs', () => {
    // tls.TLSSocket#getPeerCertificate() returns an empty object when the peer sent none.
    expect(spiffeIdOfPeerCertificate({})).toBeUndefined();
  });

  it('returns undefined without a URI SAN', async () => {
    const subjectaltname = await subjectAltNameOf([{ type: 'dns', value: 'localhost' }]);
    expect(spiffeIdOfPeerCertificate({ subjectaltname })).toBeUndefined();
  });

  it('returns undefined for two SPIFFE IDs', async () => {
    const subjectaltname = await subjectAltNameOf([
      { type: 'url', value: WEB_ID },
      { type: 'url', value: 'spiffe://palisade.local/ns/palisade/sa/gatekeeper' },
    ]);
    expect(spiffeIdOfPeerCertificate({ subjectaltname })).toBeUndefined();
  });

  it('returns undefined for a second non-SPIFFE URI', async () => {
    const subjectaltname = await subjectAltNameOf([
      { type: 'url', value: WEB_ID },
      { type: 'url', value: 'https://palisade.local/web' },
    ]);
    expect(spiffeIdOfPeerCertificate({ subjectaltname })).toBeUndefined();
  });

  it('returns undefined for an invalid SPIFFE ID', async () => {
    const subjectaltname = await subjectAltNameOf([
      { type: 'url', value: 'spiffe://palisade.local/ns/../admin' },
    ]);
    expect(spiffeIdOfPeerCertificate({ subjectaltname })).toBeUndefined();
  });

  it('ignores a URI smuggled inside a DNS name', async () => {
    const smuggled = 'x, URI:spiffe://palisade.local/ns/palisade/sa/admin';
    const subjectaltname = await subjectAltNameOf([{ type: 'dns', value: smuggled }]);

    expect(subjectaltname).toContain('URI:spiffe://palisade.local/ns/palisade/sa/admin');
    expect(spiffeIdOfPeerCertificate({ subjectaltname })).toBeUndefined();
  });

  it('keeps the real URI beside a smuggled one', async () => {
    const smuggled = 'x, URI:spiffe://palisade.local/ns/palisade/sa/admin';
    const subjectaltname = await subjectAltNameOf([
      { type: 'dns', value: smuggled },
      { type: 'url', value: WEB_ID },
    ]);
    expect(spiffeIdOfPeerCertificate({ subjectaltname })).toBe(WEB_ID);
  });

  it('rejects a quoted URI', async () => {
    const subjectaltname = await subjectAltNameOf([{ type: 'url', value: `${WEB_ID},x` }]);

    expect(subjectaltname).toBe(`URI:"${WEB_ID}\\u002cx"`);
    expect(spiffeIdOfPeerCertificate({ subjectaltname })).toBeUndefined();
  });
});
