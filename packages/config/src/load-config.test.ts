import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';

import { ConfigError, loadCheckedConfig, loadConfig } from './load-config.js';

const schema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3000 }),
  ISSUER: Type.String({ format: 'uri' }),
});

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('converts strings and fills defaults', () => {
    const config = loadConfig('test', schema, { ISSUER: 'http://127.0.0.1:4000' });
    expect(config.PORT).toBe(3000);
    expect(config.ISSUER).toBe('http://127.0.0.1:4000');
  });

  it('converts numeric strings', () => {
    const config = loadConfig('test', schema, { PORT: '8080', ISSUER: 'http://a.test' });
    expect(config.PORT).toBe(8080);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(() => loadConfig('test', schema, { PORT: '70000' }));
    expect(problems).toHaveLength(2);
    expect(problems).toContain('ISSUER is missing: set it in the environment');
    expect(problems).toContain('PORT=70000 is invalid: it must be <= 65535');
  });

  it('rejects forbidden variables with the reason', () => {
    const problems = problemsOf(() =>
      loadConfig(
        'web',
        schema,
        { ISSUER: 'http://a.test', DATABASE_URL: 'postgres://x' },
        {
          forbidden: [
            { pattern: /^DATABASE_/, reason: 'only the gatekeeper talks to the database' },
          ],
        },
      ),
    );
    expect(problems).toEqual([
      'DATABASE_URL must not be set: only the gatekeeper talks to the database',
    ]);
  });

  it('names the service in the message', () => {
    expect(() => loadConfig('gatekeeper', schema, {})).toThrow(
      /^gatekeeper: invalid configuration/,
    );
  });
});

describe('loadCheckedConfig', () => {
  const unprivilegedPort = (config: { PORT: number }) =>
    config.PORT < 1024 ? [`PORT=${config.PORT} is invalid: use 1024 or above`] : [];

  it('returns the configuration when every check passes', () => {
    const config = loadCheckedConfig(
      'web',
      schema,
      { ISSUER: 'http://a.test' },
      {
        environment: [],
        settings: unprivilegedPort,
      },
    );

    expect(config.PORT).toBe(3000);
  });

  it('lists environment problems next to schema problems', () => {
    const problems = problemsOf(() =>
      loadCheckedConfig('web', schema, {}, { environment: ['SECRET must not be set'] }),
    );

    expect(problems).toEqual([
      'ISSUER is missing: set it in the environment',
      'SECRET must not be set',
    ]);
  });

  it('runs the settings checks once the schema accepts', () => {
    let ran = false;
    const settings = (config: { PORT: number }) => {
      ran = true;
      return unprivilegedPort(config);
    };

    const rejected = problemsOf(() =>
      loadCheckedConfig('web', schema, { PORT: '80' }, { settings }),
    );
    const ranOnRejected = ran;
    const problems = problemsOf(() =>
      loadCheckedConfig('web', schema, { PORT: '80', ISSUER: 'http://a.test' }, { settings }),
    );

    expect(rejected).toEqual(['ISSUER is missing: set it in the environment']);
    expect(ranOnRejected).toBe(false);
    expect(problems).toEqual(['PORT=80 is invalid: use 1024 or above']);
  });
});
