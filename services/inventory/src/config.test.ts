import { ConfigError } from '@palisade/config';
import { describe, expect, it } from 'vitest';

import { loadInventoryConfig } from './config.js';

describe('loadInventoryConfig', () => {
  it('applies the defaults', () => {
    const config = loadInventoryConfig({ DATABASE_URL: 'postgres://127.0.0.1/palisade' });

    expect(config.SAGA_TOPIC_PREFIX).toBe('palisade');
    expect(config.KAFKA_BROKERS).toBeUndefined();
  });

  it('rejects a missing database URL', () => {
    expect(() => loadInventoryConfig({})).toThrow(ConfigError);
  });

  describe('in production mode', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://palisade_inventory@db.example:5432/palisade',
      DATABASE_PASSWORD_FILE: '/var/run/secrets/palisade/database/password',
      DATABASE_TLS_CA_FILE: '/var/run/secrets/palisade/database-ca/ca.crt',
      REDIS_URL: 'rediss://cache.example:6379',
    };
    const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
      try {
        loadInventoryConfig(env);
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
    };

    it('accepts a password file and Redis over TLS', () => {
      expect(problemsOf(production)).toEqual([]);
    });

    it('refuses a password in the database URL', () => {
      const problems = problemsOf({
        ...production,
        DATABASE_URL: 'postgres://palisade_inventory:secret@db.example:5432/palisade',
      });

      expect(problems.join('\n')).toContain('DATABASE_URL contains a password');
      expect(problems.join('\n')).not.toContain('secret');
    });

    it('requires TLS to the database', () => {
      expect(problemsOf({ ...production, DATABASE_TLS_CA_FILE: undefined })).toEqual([
        expect.stringContaining('DATABASE_TLS_CA_FILE is missing'),
      ]);
    });

    it('requires Redis', () => {
      expect(problemsOf({ ...production, REDIS_URL: undefined })).toEqual([
        expect.stringContaining('REDIS_URL is missing'),
      ]);
    });

    it('requires TLS to Redis', () => {
      expect(problemsOf({ ...production, REDIS_URL: 'redis://cache.example:6379' })).toEqual([
        expect.stringContaining('REDIS_URL must start with rediss://'),
      ]);
    });
  });

  it('rejects a topic prefix with characters Kafka does not allow', () => {
    expect(() =>
      loadInventoryConfig({ DATABASE_URL: 'postgres://127.0.0.1/p', SAGA_TOPIC_PREFIX: 'a b' }),
    ).toThrow(ConfigError);
  });
});
