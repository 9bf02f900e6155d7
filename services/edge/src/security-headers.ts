/**
 * Content-Security-Policy of the single-page app. Scripts and styles come only from this
 * origin, never inline, and the page talks only to this origin: the browser reaches the
 * identity provider by navigation, which `connect-src` does not govern.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Two years, in seconds. */
const hstsMaxAgeSeconds = 63_072_000;

/**
 * Returns the security headers the edge adds to every response that does not already carry
 * them. `hsts` is false in local development, where the site is served over plain HTTP.
 */
export function securityHeaders(options: { hsts: boolean }): Readonly<Record<string, string>> {
  return {
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    ...(options.hsts
      ? { 'strict-transport-security': `max-age=${hstsMaxAgeSeconds}; includeSubDomains` }
      : {}),
  };
}
