/** Longest accepted return path, in characters. */
const MAX_LENGTH = 2048;

/**
 * Returns `candidate` when it is a relative path on `origin`, or undefined. Absolute URLs,
 * scheme-relative `//host` forms, backslashes (which browsers read as slashes) and control
 * characters are rejected, so a login can never send the browser to another site.
 */
export function sameOriginPath(candidate: string, origin: string): string | undefined {
  if (candidate.length > MAX_LENGTH || !candidate.startsWith('/')) return undefined;
  if (candidate.startsWith('//') || candidate.includes('\\')) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (/[\u0000-\u001f\u007f]/.test(candidate)) return undefined;

  const resolved = new URL(candidate, origin);
  if (resolved.origin !== origin) return undefined;
  // Dot segments can turn a safe input into a scheme-relative path (/..//evil.example
  // becomes //evil.example), so the normalised path is checked again.
  if (resolved.pathname.startsWith('//')) return undefined;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
