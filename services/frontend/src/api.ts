/** One invalid field of a request, as the API's problem responses name it. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** An RFC 9457 problem response of the API, or a network failure (status 0). */
export class ApiError extends Error {
  readonly code = 'API_REQUEST_FAILED';

  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly fieldErrors: readonly FieldError[],
  ) {
    super(detail ?? title);
    this.name = 'ApiError';
  }
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Calls the API with the session cookie. Unsafe methods carry the CSRF header that the web
 * tier requires of cookie-authenticated writes; the browser adds the matching Origin.
 *
 * @throws ApiError for any response that is not 2xx, or when the request never completes.
 */
export async function apiRequest<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (unsafeMethods.has(method)) headers['x-palisade-csrf'] = '1';
  if (body !== undefined) headers['content-type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'Network error', 'The server could not be reached; retry later', []);
  }
  if (response.ok) return (response.status === 204 ? undefined : await response.json()) as T;
  throw await problemOf(response);
}

async function problemOf(response: Response): Promise<ApiError> {
  const fallback = new ApiError(
    response.status,
    response.statusText || 'Request failed',
    undefined,
    [],
  );
  if (!(response.headers.get('content-type') ?? '').includes('json')) return fallback;
  try {
    const problem = (await response.json()) as {
      title?: string;
      detail?: string;
      errors?: FieldError[];
    };
    return new ApiError(
      response.status,
      problem.title ?? fallback.title,
      problem.detail,
      Array.isArray(problem.errors) ? problem.errors : [],
    );
  } catch {
    return fallback;
  }
}

/** Returns the message of a failed request for display. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
