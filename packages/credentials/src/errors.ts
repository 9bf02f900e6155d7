/** Stable codes of {@link CredentialError}, so callers can `switch` on `error.code`. */
export type CredentialErrorCode =
  | 'SECRET_FILE_UNREADABLE'
  | 'SECRET_FILE_EMPTY'
  | 'TOKEN_SIGNING_FAILED'
  | 'CERTIFICATE_FILES_INVALID';

/** A credential that cannot be obtained; the message names the file or token and the fix. */
export class CredentialError extends Error {
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CredentialError';
  }
}

/** Returns the message of an unknown thrown value, for error messages and logs. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
