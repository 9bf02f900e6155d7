/** The logging calls this package makes; a pino logger fits. Values logged are never secrets. */
export interface CredentialLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that drops everything, for callers that pass none. */
export const silentLogger: CredentialLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
