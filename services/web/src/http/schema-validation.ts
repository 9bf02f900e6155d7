import { Ajv, type AnySchema, type ErrorObject, type Options } from 'ajv';
import formatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

import type { FieldError } from '../problem/problem.js';
import { escapePointerToken } from './json-pointer.js';

/**
 * Creates the route schema compiler. Bodies are validated without type coercion, so `"5"` is not
 * a number and `5` is not a string. Query strings and path parameters arrive as text, so they are
 * coerced. Unknown properties are rejected rather than silently removed (Fastify's default), so
 * the caller learns that a field was ignored.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = createAjv({ coerceTypes: false });
  const parameterAjv = createAjv({ coerceTypes: 'array' });

  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : parameterAjv;
    return ajv.compile(schema as AnySchema);
  };
}

function createAjv(options: Pick<Options, 'coerceTypes'>): Ajv {
  const ajv = new Ajv({
    ...options,
    removeAdditional: false,
    useDefaults: true,
    // Stopping at the first error bounds the work one request can cause.
    allErrors: false,
    // Errors carry their schema, whose description states what a pattern expects.
    verbose: true,
    addUsedSchema: false,
  });
  formatsModule.default(ajv);
  // ajv-formats' uuid also accepts a `urn:uuid:` prefix, which the gatekeeper does not.
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  return ajv;
}

/** Request part whose validation failed, as Fastify names it. */
export type ValidationContext = 'body' | 'querystring' | 'params' | 'headers';

/**
 * Converts Ajv errors into field errors. A body field is named by its JSON pointer
 * (`/displayName`, `/metadata`), and a query or path parameter by its name (`pageSize`).
 */
export function fieldErrorsOf(
  errors: readonly ErrorObject[],
  context: ValidationContext,
): FieldError[] {
  return errors.map((error) => ({
    field: fieldName(pointerOf(error), context),
    message: messageOf(error, context),
  }));
}

function pointerOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return `${error.instancePath}/${escapePointerToken(params.missingProperty)}`;
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return `${error.instancePath}/${escapePointerToken(params.additionalProperty)}`;
  }
  return error.instancePath;
}

function fieldName(pointer: string, context: ValidationContext): string {
  if (context === 'body') return pointer === '' ? 'body' : pointer;
  if (pointer === '') return context === 'querystring' ? 'query' : context;
  return pointer.slice(1).replaceAll('~1', '/').replaceAll('~0', '~');
}

function messageOf(error: ErrorObject, context: ValidationContext): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return context === 'body'
        ? 'is not a known property: remove it'
        : 'is not a known parameter: remove it';
    case 'minProperties':
      return 'must contain at least one property';
    case 'type':
      if (context === 'body' && error.instancePath === '') return 'must be a JSON object';
      return error.message ?? 'has the wrong type';
    case 'pattern': {
      // The pattern means little to a client, so the field's description states the rule.
      const description = (error.parentSchema as { description?: unknown } | undefined)
        ?.description;
      return typeof description === 'string'
        ? `is invalid: ${description}`
        : 'contains characters that are not allowed here';
    }
    default:
      return error.message ?? 'is invalid';
  }
}
