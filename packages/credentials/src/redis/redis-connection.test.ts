import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { redisClientOptions } from './redis-connection.js';

describe('redisClientOptions', () => {
  let folder: string;
  let caFile: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'palisade-redis-options-'));
    caFile = join(folder, 'ca.pem');
    await writeFile(caFile, 'PEM CONTENTS');
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('takes address, database and credentials from a development URL', () => {
    const options = redisClientOptions({
      url: 'redis://app:dev%20secret@127.0.0.1:6380/2',
      authentication: { mode: 'url' },
    });
    expect(options).toEqual({
      host: '127.0.0.1',
      port: 6380,
      db: 2,
      username: 'app',
      password: 'dev secret',
    });
  });

  it('turns TLS on for rediss URLs and names the server', () => {
    const options = redisClientOptions({
      url: 'rediss://master.palisade.cache.amazonaws.com:6379',
      authentication: { mode: 'url' },
    });
    expect(options.tls).toEqual({ servername: 'master.palisade.cache.amazonaws.com' });
  });

  it('verifies the server with the CA file', () => {
    const options = redisClientOptions({
      url: 'redis://127.0.0.1:6379',
      tlsCaFile: caFile,
      authentication: { mode: 'url' },
    });
    expect(options.tls?.ca?.toString()).toBe('PEM CONTENTS');
    // Node.js refuses an IP address as TLS server name.
    expect(options.tls?.servername).toBeUndefined();
  });

  it('uses the user ID and the token with IAM authentication', () => {
    const options = redisClientOptions(
      {
        url: 'rediss://master.palisade.cache.amazonaws.com:6379',
        authentication: { mode: 'elasticache-iam', userId: 'palisade-web' },
      },
      'palisade-cache/?Action=connect&User=palisade-web&X-Amz-Signature=abc',
    );
    expect(options.username).toBe('palisade-web');
    expect(options.password).toBe(
      'palisade-cache/?Action=connect&User=palisade-web&X-Amz-Signature=abc',
    );
  });

  it('rejects a URL password next to IAM authentication', () => {
    expect(() =>
      redisClientOptions({
        url: 'rediss://:static@cache:6379',
        authentication: { mode: 'elasticache-iam', userId: 'palisade-web' },
      }),
    ).toThrow(
      'the Redis URL contains a password, but ElastiCache IAM authentication signs its own',
    );
  });

  it('rejects other schemes without repeating the URL', () => {
    const attempt = () =>
      redisClientOptions({ url: 'http://user:hunter2@cache', authentication: { mode: 'url' } });
    expect(attempt).toThrow(
      'the Redis URL is invalid: use redis://host:port or rediss://host:port',
    );
  });

  it('names a CA file that cannot be read', () => {
    expect(() =>
      redisClientOptions({
        url: 'rediss://cache:6379',
        tlsCaFile: join(folder, 'missing.pem'),
        authentication: { mode: 'url' },
      }),
    ).toThrow(expect.objectContaining({ code: 'SECRET_FILE_UNREADABLE' }));
  });
});
