import { describe, expect, it } from 'vitest';

import { isLoopbackAddress } from './development-token.js';

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('accepts %s', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });

  it.each(['10.0.0.1', '192.168.1.20', '::ffff:10.0.0.1', 'fe80::1', '::', '0.0.0.0', ''])(
    'rejects %s',
    (address) => {
      expect(isLoopbackAddress(address)).toBe(false);
    },
  );

  it('rejects a missing address', () => {
    expect(isLoopbackAddress(undefined)).toBe(false);
  });
});
