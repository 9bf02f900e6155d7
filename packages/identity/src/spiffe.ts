import type { PeerCertificate } from 'node:tls';

import { InvalidSpiffeIdError } from './errors.js';

/**
 * SPIFFE IDs as defined by the SPIFFE ID specification
 * (https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md):
 * `spiffe://<trust-domain>/<path>`, with no userinfo, port, query or fragment.
 */

const SCHEME_PREFIX = 'spiffe://';
const MAX_ID_BYTES = 2048;
const MAX_TRUST_DOMAIN_LENGTH = 255;
const TRUST_DOMAIN_PATTERN = /^[a-z0-9._-]+$/;
const PATH_SEGMENT_PATTERN = /^[A-Za-z0-9._-]+$/;

/** A parsed, valid SPIFFE ID. `toString()` returns the canonical URI. */
export interface SpiffeId {
  readonly trustDomain: string;
  /** The path with its leading `/`, or `''` for the trust domain's own ID. */
  readonly path: string;
  toString(): string;
}

/**
 * Parses and validates a SPIFFE ID.
 *
 * @example parseSpiffeId('spiffe://palisade.local/ns/palisade/sa/web').trustDomain // 'palisade.local'
 * @throws {InvalidSpiffeIdError} naming the value and the rule it breaks.
 */
export function parseSpiffeId(value: string): SpiffeId {
  const reject = (rule: string): never => {
    throw new InvalidSpiffeIdError(value, rule);
  };

  if (typeof value !== 'string' || value === '') reject('it must be a non-empty string');
  if (Buffer.byteLength(value, 'utf8') > MAX_ID_BYTES) {
    reject(`it must not exceed ${MAX_ID_BYTES} bytes`);
  }
  if (!value.startsWith(SCHEME_PREFIX)) reject('the scheme must be "spiffe://" in lower case');
  if (value.includes('?')) reject('a query is not allowed');
  if (value.includes('#')) reject('a fragment is not allowed');

  const rest = value.slice(SCHEME_PREFIX.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);

  const trustDomainProblem = findTrustDomainProblem(trustDomain);
  if (trustDomainProblem !== undefined) reject(trustDomainProblem);

  if (path !== '') {
    for (const segment of path.slice(1).split('/')) {
      const segmentProblem = findPathSegmentProblem(segment);
      if (segmentProblem !== undefined) reject(segmentProblem);
    }
  }

  return Object.freeze({ trustDomain, path, toString: () => value });
}

/** Returns whether `value` is a valid SPIFFE trust domain name such as `palisade.local`. */
export function isValidTrustDomain(value: string): boolean {
  return typeof value === 'string' && findTrustDomainProblem(value) === undefined;
}

function findTrustDomainProblem(trustDomain: string): string | undefined {
  if (trustDomain === '') return 'the trust domain is missing';
  if (trustDomain.includes('@')) return 'userinfo is not allowed in the trust domain';
  if (trustDomain.includes(':')) return 'a port is not allowed in the trust domain';
  if (trustDomain.length > MAX_TRUST_DOMAIN_LENGTH) {
    return `the trust domain must not exceed ${MAX_TRUST_DOMAIN_LENGTH} characters`;
  }
  if (!TRUST_DOMAIN_PATTERN.test(trustDomain)) {
    return 'the trust domain may contain only lower-case letters, digits, ".", "-" and "_"';
  }
  return undefined;
}

function findPathSegmentProblem(segment: string): string | undefined {
  if (segment === '') return 'path segments must not be empty (no "//" and no trailing "/")';
  if (segment === '.' || segment === '..') return 'path segments must not be "." or ".."';
  if (!PATH_SEGMENT_PATTERN.test(segment)) {
    return 'path segments may contain only letters, digits, ".", "-" and "_"';
  }
  return undefined;
}

/**
 * Returns the SPIFFE ID of a TLS peer, read from its certificate's URI SAN.
 *
 * An X.509-SVID carries exactly one URI SAN, so a certificate with no URI SAN, several URI SANs
 * or an invalid SPIFFE ID yields `undefined` and must not be trusted.
 */
export function spiffeIdOfPeerCertificate(
  certificate: Pick<PeerCertificate, 'subjectaltname'> | undefined,
): string | undefined {
  const subjectAltName = certificate?.subjectaltname;
  if (typeof subjectAltName !== 'string' || subjectAltName === '') return undefined;

  const uris = splitSubjectAltName(subjectAltName)
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice('URI:'.length));
  if (uris.length !== 1) return undefined;

  const uri = uris[0] as string;
  try {
    return parseSpiffeId(uri).toString();
  } catch (error) {
    if (error instanceof InvalidSpiffeIdError) return undefined;
    throw error;
  }
}

/**
 * Splits Node's `subjectaltname` string (`URI:spiffe://a/b, DNS:localhost`) into entries.
 *
 * Since Node 17.3 (CVE-2021-44532), a name containing a comma, quote or other special character
 * is written as an escaped JSON string (`DNS:"a\u002c URI:spiffe://x"`). Commas inside quotes
 * are skipped as well, so one DNS name can never pose as a second URI entry.
 */
function splitSubjectAltName(value: string): string[] {
  const entries: string[] = [];
  let current = '';
  let quoted = false;

  for (let index = 0; index < value.length; index += 1) {
    const character = value[index] as string;
    if (quoted && character === '\\') {
      current += character + (value[index + 1] ?? '');
      index += 1;
      continue;
    }
    if (character === '"') quoted = !quoted;
    if (!quoted && character === ',') {
      entries.push(current.trim());
      current = '';
      continue;
    }
    current += character;
  }
  entries.push(current.trim());

  return entries;
}
