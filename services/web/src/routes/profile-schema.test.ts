import { describe, expect, it } from 'vitest';

import { stubProfile } from '../testing/gatekeeper-stub.js';
import { isoTimestamp, toProfileJson } from './profile-schema.js';

describe('toProfileJson', () => {
  it('formats timestamps as ISO 8601', () => {
    expect(toProfileJson(stubProfile()).createdAt).toBe('2025-01-02T03:04:05.000Z');
  });

  it('returns empty metadata when unset', () => {
    expect(toProfileJson(stubProfile({ metadata: undefined })).metadata).toEqual({});
  });

  it('rejects a profile without timestamps', () => {
    expect(() => toProfileJson(stubProfile({ updatedAt: undefined }))).toThrow(
      'The gatekeeper response has no Profile.updated_at',
    );
  });
});

describe('isoTimestamp', () => {
  it('names the missing field', () => {
    expect(() => isoTimestamp(undefined, 'AuditEvent.occurred_at')).toThrow(
      'AuditEvent.occurred_at',
    );
  });
});
