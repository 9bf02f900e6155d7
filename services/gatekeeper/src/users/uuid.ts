// Lower case only: ids are compared as text in the audit trail, so one user must
// have one spelling. PostgreSQL prints UUIDs this way.
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Tells whether `value` is a UUID in its canonical, lower-case text form. */
export function isUuid(value: string): boolean {
  return uuid.test(value);
}
