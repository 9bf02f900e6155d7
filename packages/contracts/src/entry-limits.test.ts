import { describe, expect, it } from 'vitest';

import { entryLimits, metadataFilterLimits } from './entry-limits.js';
import { checkMetadataLimits } from './profile-limits.js';

describe('checkMetadataLimits with entry limits', () => {
  it('accepts metadata larger than a profile may hold', () => {
    expect(checkMetadataLimits({ text: 'x'.repeat(6000) }, entryLimits)).toBeUndefined();
  });

  it('rejects metadata over the entry size limit', () => {
    expect(checkMetadataLimits({ text: 'x'.repeat(8200) }, entryLimits)).toBe(
      'metadata is 8211 bytes as JSON; the limit is 8192',
    );
  });

  it('names the field it checks', () => {
    expect(checkMetadataLimits([], metadataFilterLimits, 'metadata filter')).toBe(
      'metadata filter must be a JSON object',
    );
    expect(
      checkMetadataLimits(
        { a: { b: { c: { d: { e: { f: 1 } } } } } },
        metadataFilterLimits,
        'metadata filter',
      ),
    ).toBe('metadata filter.a.b.c.d.e is nested 6 levels deep; the limit is 5');
  });

  it('applies the filter key limit', () => {
    const wide = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]));
    expect(checkMetadataLimits(wide, metadataFilterLimits, 'metadata filter')).toBe(
      'metadata filter has 21 keys; the limit is 20',
    );
  });
});
