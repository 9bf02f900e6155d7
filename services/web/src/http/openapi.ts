import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Path of the OpenAPI document. */
export const OPENAPI_PATH = '/api/openapi.json';
/** Path of the interactive documentation page. */
export const DOCS_PATH = '/api/docs';

/**
 * Registers the OpenAPI 3.1 document, generated from the route schemas, and the Swagger UI page.
 * Must be registered before the routes, so @fastify/swagger sees them being added.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Palisade API',
        version: '0.1.0',
        description:
          'Public API of the Palisade web tier. Errors are RFC 9457 problem details ' +
          '(application/problem+json).',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
  });

  await app.register(swaggerUi, { routePrefix: DOCS_PATH, staticCSP: true });

  app.get(OPENAPI_PATH, { schema: { hide: true } }, () => app.swagger());
}
