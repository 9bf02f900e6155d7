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

  it('rejects a topic prefix with characters Kafka does not allow', () => {
    expect(() =>
      loadInventoryConfig({ DATABASE_URL: 'postgres://127.0.0.1/p', SAGA_TOPIC_PREFIX: 'a b' }),
    ).toThrow(ConfigError);
  });
});
