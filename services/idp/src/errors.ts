/** Stable codes of the errors the IdP raises at start-up. */
export type IdpErrorCode =
  | 'SIGNING_KEYS_MISSING'
  | 'SIGNING_KEYS_INVALID'
  | 'SECRET_FILE_REQUIRED'
  | 'SECRET_FILE_UNREADABLE'
  | 'SECRET_FILE_INVALID';

/** Start-up error of the IdP; `message` names the file or variable and the fix. */
export class IdpError extends Error {
  constructor(
    readonly code: IdpErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'IdpError';
  }
}
