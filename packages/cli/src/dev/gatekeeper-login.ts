import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import pg from 'pg';

/** The role the gatekeeper connects as; created by migration 0003_roles. */
export const gatekeeperRole = 'palisade_gatekeeper';
/** The role the inventory service connects as; created by the same migration. */
export const inventoryRole = 'palisade_inventory';

/** A service role that `palisade dev` logs in with, and the stem of its secret files. */
export type ServiceRole = typeof gatekeeperRole | typeof inventoryRole;
const fileStems: Readonly<Record<ServiceRole, string>> = {
  palisade_gatekeeper: 'gatekeeper',
  palisade_inventory: 'inventory',
};

/** How long a generated password stays valid (VALID UNTIL), in seconds: 24 hours. */
const passwordValiditySeconds = 24 * 60 * 60;
/** A new password is set halfway, so the one in the file is always valid for 12 more hours. */
const rotationIntervalSeconds = passwordValiditySeconds / 2;
const scramIterations = 4096;

/** The gatekeeper's own login on a PostgreSQL server, as files in the secret-volume layout. */
export interface GatekeeperLogin {
  /** DATABASE_URL of the service: the server's URL with its role and no password. */
  readonly databaseUrl: string;
  readonly usernameFile: string;
  readonly passwordFile: string;
  /** Shortest time the password in the file stays valid, in seconds. */
  readonly validitySeconds: number;
  /** Stops the periodic rotation. */
  stop(): void;
}

/** Thrown when the gatekeeper's login cannot be set; the message names the fix. */
export class GatekeeperLoginError extends Error {
  readonly code = 'GATEKEEPER_LOGIN_FAILED';
}

/**
 * Gives a service its own login on the server behind `adminUrl`, so it never connects as the
 * owner of the schemas. It sets a generated password with VALID UNTIL on `role` (the
 * gatekeeper's by default), enables LOGIN, and writes the user name and password to files under
 * `home/secrets` (mode 0600). The password is rotated every 12 hours while the stack runs.
 *
 * The password reaches the server only as a SCRAM-SHA-256 verifier, so it appears in no server
 * log. NOTE: the role belongs to the whole server, so two stacks on one server replace each
 * other's password. Only the last one started can open new connections on a server that checks
 * passwords.
 *
 * @throws {GatekeeperLoginError} when the role is missing or may not be altered.
 */
export async function prepareGatekeeperLogin(
  adminUrl: string,
  home: string,
  onRotationError: (error: Error) => void,
  role: ServiceRole = gatekeeperRole,
): Promise<GatekeeperLogin> {
  const folder = join(home, 'secrets');
  const usernameFile = join(folder, `${fileStems[role]}-database-username`);
  const passwordFile = join(folder, `${fileStems[role]}-database-password`);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  await writeSecretFile(usernameFile, role);
  await rotateGatekeeperPassword(adminUrl, passwordFile, role);

  const timer = setInterval(() => {
    rotateGatekeeperPassword(adminUrl, passwordFile, role).catch((error: unknown) => {
      onRotationError(error instanceof Error ? error : new Error(String(error)));
    });
  }, rotationIntervalSeconds * 1000).unref();

  const url = new URL(adminUrl);
  url.username = role;
  url.password = '';
  return {
    databaseUrl: url.toString(),
    usernameFile,
    passwordFile,
    validitySeconds: passwordValiditySeconds - rotationIntervalSeconds,
    stop: () => clearInterval(timer),
  };
}

/**
 * Sets a new generated password, valid for 24 hours, on `role` (the gatekeeper's by default) and
 * then writes it to `passwordFile`. Connections opened with the previous password stay open; new
 * ones use the new password once the file is replaced.
 */
export async function rotateGatekeeperPassword(
  adminUrl: string,
  passwordFile: string,
  role: ServiceRole = gatekeeperRole,
): Promise<void> {
  const password = randomBytes(24).toString('base64url');
  const validUntil = new Date(Date.now() + passwordValiditySeconds * 1000).toISOString();

  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(
      `ALTER ROLE ${role} WITH LOGIN PASSWORD ${client.escapeLiteral(scramVerifier(password))} ` +
        `VALID UNTIL ${client.escapeLiteral(validUntil)}`,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GatekeeperLoginError(
      `cannot set the password of role ${role} (${reason}): run \`palisade migrate\` ` +
        'and use a DATABASE_URL whose user may alter roles (a superuser or CREATEROLE)',
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  await writeSecretFile(passwordFile, password);
}

/**
 * Encodes `password` as a SCRAM-SHA-256 verifier in PostgreSQL's stored format (RFC 5802 and
 * RFC 7677), so `ALTER ROLE ... PASSWORD` never carries the password itself. The password must
 * be ASCII: SASLprep, which the server applies, leaves ASCII unchanged.
 */
export function scramVerifier(password: string): string {
  const salt = randomBytes(16);
  const saltedPassword = pbkdf2Sync(password, salt, scramIterations, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  return (
    `SCRAM-SHA-256$${scramIterations}:${salt.toString('base64')}` +
    `$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
  );
}

/** Writes through a temporary file and a rename, so a reader never sees a partial value. */
async function writeSecretFile(file: string, value: string): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(value, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
