import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { rotateGatekeeperPassword } from '@palisade/cli';
import {
  forgeToken,
  request,
  startStack,
  testServerAvailable,
  tokenFor,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// On a server the supervisor generates and rotates the gatekeeper's password, which adds one
// more secret to look for. Without a server, the embedded database still runs every other flow.
const database = (await testServerAvailable()) ? 'server' : 'embedded';

/** Parts of a PEM private key long enough to be recognised in any output. */
function pemBodyLines(pem: string): string[] {
  return pem.split('\n').filter((line) => !line.startsWith('-----') && line.length >= 16);
}

/** Private and symmetric members of every key in a JWKS file. */
function jwkSecrets(jwks: { keys: Record<string, unknown>[] }): string[] {
  const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
  return jwks.keys.flatMap((key) =>
    privateMembers
      .map((member) => key[member])
      .filter((value): value is string => typeof value === 'string'),
  );
}

describe(`secrets in the logs of a stack on the ${database} database`, () => {
  let stack: RunningStack;

  beforeAll(async () => {
    stack = await startStack({ database, env: { LOG_LEVEL: 'debug' } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('never appear in any output line', async () => {
    const secrets = new Map<string, string>();
    const remember = (name: string, value: string) => secrets.set(value.trim(), name);

    const alice = await tokenFor(stack, 'alice');
    const admin = await tokenFor(stack, 'admin');
    const forged = await forgeToken(stack, { claims: { sub: 'mallory' }, foreignKey: true });
    for (const [name, token] of [
      ['alice token', alice],
      ['admin token', admin],
      ['forged token', forged],
    ] as const) {
      remember(name, token);
      remember(`${name} signature`, token.split('.')[2] ?? token);
    }

    const api = (path: string) => `${stack.webUrl}/api${path}`;
    const me = await request(api('/me'), { token: alice });
    expect(me.status).toBe(200);
    const userId = (me.body as { userId: string }).userId;
    await request(api('/me'), {
      method: 'PATCH',
      token: alice,
      body: { displayName: 'Alice Liddell', metadata: { lab: 'b2' } },
    });
    await request(api('/me'), { token: forged });
    await request(api('/me'), { token: `${alice}tampered` });
    await request(api('/admin/audit'), { token: admin });
    await request(api('/admin/audit'), { token: alice });
    await request(api(`/admin/users/${userId}/data`), { method: 'DELETE', token: admin });

    const secretsFolder = join(stack.home, 'secrets');
    if (database === 'server') {
      const passwordFile = join(secretsFolder, 'gatekeeper-database-password');
      remember('old gatekeeper password', await readFile(passwordFile, 'utf8'));
      await rotateGatekeeperPassword(stack.databaseUrl, passwordFile);
      remember('gatekeeper password', await readFile(passwordFile, 'utf8'));
      // New connections read the rotated password.
      await request(api('/me'), { token: admin });
    }

    const pki = join(stack.home, 'pki');
    for (const file of (await readdir(pki)).filter((name) => name.endsWith('-key.pem'))) {
      for (const line of pemBodyLines(await readFile(join(pki, file), 'utf8'))) {
        remember(`private key ${file}`, line);
      }
    }
    const jwks = JSON.parse(await readFile(join(stack.home, 'idp', 'jwks.json'), 'utf8')) as {
      keys: Record<string, unknown>[];
    };
    for (const value of jwkSecrets(jwks)) remember('IdP signing key', value);
    const clientSecretFile = join(stack.home, 'web', 'oidc-client-secret');
    remember('web client secret', await readFile(clientSecretFile, 'utf8').catch(() => ''));
    secrets.delete('');

    // Give the services a moment to write the lines of the last requests.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const output = stack.output.join('\n');
    for (const service of ['idp', 'gatekeeper', 'web']) {
      expect(output).toContain(`"service":"${service}"`);
    }
    expect(secrets.size).toBeGreaterThan(10);

    const leaked = [...secrets].filter(([value]) => output.includes(value)).map(([, name]) => name);
    expect(leaked).toEqual([]);
  });
});
