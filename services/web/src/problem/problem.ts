import { Type, type Static } from 'typebox';

/** One input field at fault: a JSON pointer into the body, or a query or path parameter name. */
export const fieldErrorSchema = Type.Object(
  {
    field: Type.String({ description: 'JSON pointer into the body, or the parameter name.' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

/** RFC 9457 problem details, as every error response of this API carries them. */
export const problemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the kind of problem.' }),
    title: Type.String({ description: 'Short summary of the kind of problem; fixed per type.' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String({ description: 'What went wrong in this occurrence.' }),
    instance: Type.Optional(Type.String({ description: 'Path of the request that failed.' })),
    requestId: Type.String({ description: 'Same value as the `x-request-id` response header.' }),
    errors: Type.Optional(Type.Array(fieldErrorSchema)),
  },
  { additionalProperties: false },
);

export type FieldError = Static<typeof fieldErrorSchema>;
export type Problem = Static<typeof problemSchema>;

/** Media type of RFC 9457 problem details in JSON. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const TYPE_BASE = 'https://palisade.local/problems/';

/** Kinds of problem this API returns: type slug, title and status of each. */
export const problemKinds = {
  validation: { slug: 'validation-failed', title: 'Request validation failed', status: 400 },
  malformedBody: { slug: 'malformed-body', title: 'Request body is not valid JSON', status: 400 },
  badRequest: { slug: 'bad-request', title: 'Bad request', status: 400 },
  unauthenticated: { slug: 'unauthenticated', title: 'Authentication required', status: 401 },
  forbidden: { slug: 'forbidden', title: 'Access denied', status: 403 },
  notFound: { slug: 'not-found', title: 'Not found', status: 404 },
  conflict: { slug: 'conflict', title: 'Conflict', status: 409 },
  requestTimeout: { slug: 'request-timeout', title: 'Request not received in time', status: 408 },
  bodyTooLarge: { slug: 'body-too-large', title: 'Request body too large', status: 413 },
  unsupportedMediaType: {
    slug: 'unsupported-media-type',
    title: 'Unsupported media type',
    status: 415,
  },
  preconditionFailed: {
    slug: 'precondition-failed',
    title: 'Request cannot be applied in the current state',
    status: 422,
  },
  rateLimited: { slug: 'rate-limited', title: 'Too many requests', status: 429 },
  headersTooLarge: {
    slug: 'headers-too-large',
    title: 'Request headers too large',
    status: 431,
  },
  internal: { slug: 'internal-error', title: 'Internal server error', status: 500 },
  notImplemented: { slug: 'not-implemented', title: 'Not implemented', status: 501 },
  unavailable: { slug: 'service-unavailable', title: 'Service unavailable', status: 503 },
  storeUnavailable: {
    slug: 'session-store-unavailable',
    title: 'Session and revocation store unavailable',
    status: 503,
  },
  identityProviderUnavailable: {
    slug: 'identity-provider-unavailable',
    title: 'Identity provider unavailable',
    status: 503,
  },
  timeout: { slug: 'upstream-timeout', title: 'Upstream timed out', status: 504 },
} as const;

export type ProblemKind = (typeof problemKinds)[keyof typeof problemKinds];

/** Returns the `type` URI of a problem kind. */
export function problemTypeUri(kind: ProblemKind): string {
  return `${TYPE_BASE}${kind.slug}`;
}

/**
 * Thrown by hooks and handlers to end a request with a problem response. The central error
 * handler sends it as is, so `detail` must be safe to show to the client.
 */
export class ProblemError extends Error {
  readonly code = 'HTTP_PROBLEM';

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly options: {
      readonly errors?: readonly FieldError[];
      readonly headers?: Readonly<Record<string, string>>;
      readonly cause?: unknown;
    } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'ProblemError';
  }

  get status(): number {
    return this.kind.status;
  }
}

/** Builds the problem body of one occurrence. */
export function buildProblem(
  kind: ProblemKind,
  detail: string,
  context: { requestId: string; instance?: string; errors?: readonly FieldError[] },
): Problem {
  const problem: Problem = {
    type: problemTypeUri(kind),
    title: kind.title,
    status: kind.status,
    detail,
    requestId: context.requestId,
  };
  if (context.instance !== undefined) problem.instance = context.instance;
  if (context.errors !== undefined && context.errors.length > 0) {
    problem.errors = [...context.errors];
  }
  return problem;
}

/** Response schema entry for a problem status, for route `schema.response` maps. */
export function problemResponse(description: string) {
  return {
    description,
    content: { [PROBLEM_MEDIA_TYPE]: { schema: problemSchema } },
  };
}
