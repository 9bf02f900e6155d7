/** Path of the IdP's development token endpoint, which exists only in development mode. */
const DEVELOPMENT_TOKEN_PATH = '/development/token';

/** Default time to wait for the IdP, in milliseconds. */
const DEFAULT_TIMEOUT_MS = 10_000;

export interface FetchDevelopmentTokenOptions {
  /** Time to wait for the IdP's response, in milliseconds. */
  readonly timeoutMs?: number;
}

/** Stable codes of {@link DevelopmentTokenError}. */
export type DevelopmentTokenErrorCode =
  'IDP_UNREACHABLE' | 'IDP_NOT_DEVELOPMENT' | 'TOKEN_REQUEST_REJECTED' | 'TOKEN_RESPONSE_INVALID';

/** Raised when no development token could be fetched; the message is one line for the user. */
export class DevelopmentTokenError extends Error {
  constructor(
    readonly code: DevelopmentTokenErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DevelopmentTokenError';
  }
}

/**
 * Fetches an API access token for a seeded development account from the IdP's
 * `POST /development/token` endpoint.
 *
 * @example
 * const token = await fetchDevelopmentToken('http://127.0.0.1:4000', 'alice');
 * @throws DevelopmentTokenError when the IdP is unreachable, not in
 *   development mode, rejects the username or returns an unexpected response.
 */
export async function fetchDevelopmentToken(
  idpUrl: string,
  username: string,
  options: FetchDevelopmentTokenOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const response = await postTokenRequest(idpUrl, username, timeoutMs);
  const body = await readJson(response);

  if (response.status === 404) {
    throw new DevelopmentTokenError(
      'IDP_NOT_DEVELOPMENT',
      `the IdP at ${idpUrl} does not issue development tokens because it is not in ` +
        'development mode (IDP_MODE=development)',
    );
  }
  if (response.status === 400) {
    const description = stringProperty(body, 'error_description') ?? 'the request was rejected';
    throw new DevelopmentTokenError(
      'TOKEN_REQUEST_REJECTED',
      `the IdP rejected the request: ${description}`,
    );
  }
  if (response.status !== 200) {
    throw new DevelopmentTokenError(
      'TOKEN_RESPONSE_INVALID',
      `the IdP at ${idpUrl} answered the development token request with HTTP ${response.status}`,
    );
  }

  const accessToken = stringProperty(body, 'access_token');
  if (!accessToken) {
    throw new DevelopmentTokenError(
      'TOKEN_RESPONSE_INVALID',
      `the IdP at ${idpUrl} returned no access_token in its development token response`,
    );
  }
  return accessToken;
}

async function postTokenRequest(
  idpUrl: string,
  username: string,
  timeoutMs: number,
): Promise<Response> {
  const url = `${idpUrl.replace(/\/+$/, '')}${DEVELOPMENT_TOKEN_PATH}`;
  try {
    return await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw unreachable(idpUrl, timeoutMs, error);
  }
}

function unreachable(idpUrl: string, timeoutMs: number, error: unknown): DevelopmentTokenError {
  if (isConnectionRefused(error)) {
    return new DevelopmentTokenError(
      'IDP_UNREACHABLE',
      `the IdP at ${idpUrl} is not reachable: start the development stack with \`npm start\``,
      { cause: error },
    );
  }
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new DevelopmentTokenError(
      'IDP_UNREACHABLE',
      `the IdP at ${idpUrl} did not answer within ${timeoutMs} ms`,
      { cause: error },
    );
  }

  const reason = error instanceof Error ? (causeMessage(error) ?? error.message) : String(error);
  return new DevelopmentTokenError(
    'IDP_UNREACHABLE',
    `the IdP at ${idpUrl} could not be reached: ${reason}`,
    { cause: error },
  );
}

/** Finds ECONNREFUSED in fetch's cause chain, including each attempt of a multi-address connect. */
function isConnectionRefused(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;

  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (code === 'ECONNREFUSED') return true;
  if (Array.isArray(errors) && errors.some(isConnectionRefused)) return true;
  return isConnectionRefused(cause);
}

function causeMessage(error: Error): string | undefined {
  return error.cause instanceof Error ? error.cause.message : undefined;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function stringProperty(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;

  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
