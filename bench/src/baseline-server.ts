import { randomUUID } from 'node:crypto';

import {
  AccessTokenVerifier,
  bearerTokenFromHeader,
  IdentityProviderUnavailableError,
  InvalidAccessTokenError,
  type VerifiedUser,
} from '@palisade/identity';
import {
  profilePatchSchema,
  profileSchema,
  type ProfileJson,
  type ProfilePatch,
} from '@palisade/web';
import Fastify, { type FastifyRequest } from 'fastify';
import pg from 'pg';

/**
 * The "direct database access" variant that the gatekeeper pattern replaces. One process
 * validates the bearer token and the request body like the web tier. It then runs the
 * gatekeeper's SQL itself with pg: user upsert, profile read or update and audit event, in one
 * transaction. It exists only as the benchmark's baseline and is never deployed.
 *
 * Environment: BASELINE_DATABASE_URL, BASELINE_PORT (0 picks a free one), BASELINE_POOL_MAX,
 * BASELINE_TOKEN_CACHE_MAX_ENTRIES (0 turns the verified-token cache off),
 * OIDC_ISSUER. It prints `baseline listening on <port>` once it accepts requests.
 */

const audience = 'https://api.palisade.local';

interface ProfileRow {
  readonly user_id: string;
  readonly subject: string;
  readonly display_name: string;
  readonly email: string;
  readonly locale: string;
  readonly metadata: Record<string, unknown>;
  readonly created_at: Date;
  readonly updated_at: Date;
}

const profileColumns = `u.id AS user_id, u.subject, p.display_name, p.email, p.locale,
  p.metadata, p.created_at, p.updated_at`;

class UnauthorizedError extends Error {
  readonly code = 'UNAUTHORIZED';
}

function requiredVariable(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(`${name} is missing: set it in the environment`);
  return value;
}

async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function ensureUserId(client: pg.ClientBase, user: VerifiedUser): Promise<string> {
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO app.users (issuer, subject) VALUES ($1, $2)
     ON CONFLICT (issuer, subject) DO NOTHING RETURNING id`,
    [user.issuer, user.subject],
  );
  const createdId = inserted.rows[0]?.id;
  if (createdId !== undefined) {
    await client.query('INSERT INTO app.profiles (user_id) VALUES ($1)', [createdId]);
    return createdId;
  }
  const existing = await client.query<{ id: string }>(
    'SELECT id FROM app.users WHERE issuer = $1 AND subject = $2',
    [user.issuer, user.subject],
  );
  const id = existing.rows[0]?.id;
  if (id === undefined) throw new Error('user row vanished between insert and select');
  return id;
}

async function appendAudit(
  client: pg.ClientBase,
  user: VerifiedUser,
  userId: string,
  action: 'profile.read' | 'profile.update',
): Promise<void> {
  await client.query(
    `INSERT INTO audit.events (actor_id, actor_subject, action, target_type, target_id, request_id)
     VALUES ($1, $2, $3, 'profile', $4, $5)`,
    [userId, user.subject, action, userId, randomUUID()],
  );
}

function toJson(row: ProfileRow): ProfileJson {
  return {
    userId: row.user_id,
    subject: row.subject,
    displayName: row.display_name,
    email: row.email,
    locale: row.locale,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

async function main(): Promise<void> {
  const pool = new pg.Pool({
    connectionString: requiredVariable('BASELINE_DATABASE_URL'),
    max: Number(process.env['BASELINE_POOL_MAX'] ?? '10'),
  });
  const verifier = new AccessTokenVerifier({
    issuer: requiredVariable('OIDC_ISSUER'),
    audience,
    algorithms: ['ES256', 'RS256'],
    clockToleranceSeconds: 5,
    // Unset: the verifier's default, the same verified-token cache as the services use.
    ...(process.env['BASELINE_TOKEN_CACHE_MAX_ENTRIES'] === undefined
      ? {}
      : { cacheMaxEntries: Number(process.env['BASELINE_TOKEN_CACHE_MAX_ENTRIES']) }),
  });
  const app = Fastify({ logger: false, bodyLimit: 65_536 });

  const authenticate = async (request: FastifyRequest): Promise<VerifiedUser> => {
    const token = bearerTokenFromHeader(request.headers.authorization);
    if (token === undefined)
      throw new UnauthorizedError('bearer token missing in the Authorization header');
    try {
      return await verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) throw new UnauthorizedError(error.message);
      throw error;
    }
  };

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof UnauthorizedError) return reply.code(401).send({ title: error.message });
    if (error instanceof IdentityProviderUnavailableError) return reply.code(503).send({});
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const message = error instanceof Error ? error.message : String(error);
    if (status >= 500) process.stderr.write(`baseline request failed: ${message}\n`);
    return reply.code(status).send({ title: status < 500 ? message : 'internal error' });
  });

  app.get('/api/me', { schema: { response: { 200: profileSchema } } }, async (request) => {
    const user = await authenticate(request);
    return withTransaction(pool, async (client) => {
      const userId = await ensureUserId(client, user);
      const result = await client.query<ProfileRow>(
        `SELECT ${profileColumns} FROM app.users u JOIN app.profiles p ON p.user_id = u.id
          WHERE u.id = $1`,
        [userId],
      );
      await appendAudit(client, user, userId, 'profile.read');
      const row = result.rows[0];
      if (row === undefined) throw new Error(`profile of ${userId} missing`);
      return toJson(row);
    });
  });

  app.patch<{ Body: ProfilePatch }>(
    '/api/me',
    { schema: { body: profilePatchSchema, response: { 200: profileSchema } } },
    async (request) => {
      const user = await authenticate(request);
      const patch = request.body;
      return withTransaction(pool, async (client) => {
        const userId = await ensureUserId(client, user);
        const result = await client.query<ProfileRow>(
          `WITH updated AS (
             UPDATE app.profiles SET
               display_name = COALESCE($2, display_name),
               email = COALESCE($3, email),
               locale = COALESCE($4, locale),
               metadata = COALESCE($5::jsonb, metadata),
               updated_at = now()
             WHERE user_id = $1 RETURNING *)
           SELECT ${profileColumns} FROM app.users u JOIN updated p ON p.user_id = u.id`,
          [
            userId,
            patch.displayName ?? null,
            patch.email ?? null,
            patch.locale ?? null,
            patch.metadata === undefined ? null : JSON.stringify(patch.metadata),
          ],
        );
        await appendAudit(client, user, userId, 'profile.update');
        const row = result.rows[0];
        if (row === undefined) throw new Error(`profile of ${userId} missing`);
        return toJson(row);
      });
    },
  );

  const address = await app.listen({
    host: '127.0.0.1',
    port: Number(process.env['BASELINE_PORT'] ?? '0'),
  });
  process.stdout.write(`baseline listening on ${new URL(address).port}\n`);

  const stop = () =>
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await main();
