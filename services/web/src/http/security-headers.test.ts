import { describe, expect, it } from 'vitest';

import { helmetHeaders } from './security-headers.js';

describe('helmetHeaders', () => {
  const headers = helmetHeaders();

  it('restricts content to this origin', () => {
    expect(headers['content-security-policy']).toMatch(/(^|;)default-src 'self'(;|$)/);
  });

  it('forbids plugins and foreign framing', () => {
    expect(headers['content-security-policy']).toContain("object-src 'none'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'self'");
  });

  it('includes HSTS for a year with subdomains', () => {
    expect(headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('turns off MIME type sniffing', () => {
    expect(headers['x-content-type-options']).toBe('nosniff');
  });

  it('names every header in lower case', () => {
    expect(Object.keys(headers).filter((name) => name !== name.toLowerCase())).toEqual([]);
  });
});
