import { describe, expect, it } from 'vitest';

import { readDevSettings } from './settings.js';

describe('readDevSettings tuning variables', () => {
  it('passes rate limits to the web tier and cache settings to the gatekeeper', () => {
    const settings = readDevSettings({
      PALISADE_HOME: '/tmp/palisade-settings-test',
      WEB_RATE_LIMIT_PER_USER: '5000',
      GATEKEEPER_CACHE_TTL_SECONDS: '0',
    });

    expect(settings.tuning.web).toEqual({ WEB_RATE_LIMIT_PER_USER: '5000' });
    expect(settings.tuning.gatekeeper).toEqual({ GATEKEEPER_CACHE_TTL_SECONDS: '0' });
  });

  it('passes the saga transport to the gatekeeper and the inventory service', () => {
    const settings = readDevSettings({
      PALISADE_HOME: '/tmp/palisade-settings-test',
      KAFKA_BROKERS: '127.0.0.1:9092',
      SAGA_COMMAND_MAX_ATTEMPTS: '3',
    });

    expect(settings.tuning.gatekeeper).toEqual({
      KAFKA_BROKERS: '127.0.0.1:9092',
      SAGA_COMMAND_MAX_ATTEMPTS: '3',
    });
    expect(settings.tuning.inventory).toEqual({ KAFKA_BROKERS: '127.0.0.1:9092' });
  });

  it('passes nothing when no tuning variable is set', () => {
    const settings = readDevSettings({ PALISADE_HOME: '/tmp/palisade-settings-test' });

    expect(settings.tuning).toEqual({ web: {}, gatekeeper: {}, inventory: {} });
    expect(settings.cpuProfileDirectory).toBeUndefined();
  });

  it('reads the CPU profile folder', () => {
    const settings = readDevSettings({
      PALISADE_HOME: '/tmp/palisade-settings-test',
      PALISADE_CPU_PROFILE_DIR: '/tmp/profiles',
    });

    expect(settings.cpuProfileDirectory).toBe('/tmp/profiles');
  });
});
