import { GatekeeperError } from '../errors.js';

/**
 * Translates a PostgreSQL or connection error into a safe GatekeeperError.
 * The original error stays as `cause` for the log; no SQL text or server
 * message reaches the caller.
 */
export function translateDatabaseError(error: unknown): GatekeeperError | undefined {
  if (error instanceof GatekeeperError) return error;

  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;

  // SQLSTATE classes: 08 connection exception, 53 insufficient resources,
  // 57P0x server shutting down or unreachable.
  if (/^(08|53)/.test(code) || /^57P0[1-4]$/.test(code)) {
    return new GatekeeperError('UNAVAILABLE', 'database unavailable, retry later', {
      cause: error,
    });
  }
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) {
    return new GatekeeperError('UNAVAILABLE', 'database unavailable, retry later', {
      cause: error,
    });
  }
  if (code === '57014') {
    return new GatekeeperError('DEADLINE_EXCEEDED', 'database statement timed out', {
      cause: error,
    });
  }
  // Class 22 (data exception): a value the checks before the SQL did not catch.
  if (code.startsWith('22')) {
    return new GatekeeperError('INVALID_ARGUMENT', 'a value in the request cannot be stored', {
      cause: error,
    });
  }
  if (code === '40001' || code === '40P01') {
    return new GatekeeperError('UNAVAILABLE', 'transaction conflict, retry', { cause: error });
  }
  return undefined;
}
