/**
 * Returns `id`, a string that passed the `uuid` format check, in lower case. The format check
 * accepts hexadecimal digits in either case, and the gatekeeper accepts only the lower-case
 * form, in which PostgreSQL prints UUIDs, so that one id has one spelling in the audit trail.
 */
export function canonicalUuid(id: string): string {
  return id.toLowerCase();
}
