import type { UpdateProfileRequest } from '@palisade/contracts';
import { describe, expect, it } from 'vitest';

import { readProfileChanges } from './profile-validation.js';

function update(fields: Partial<UpdateProfileRequest>): UpdateProfileRequest {
  return { userId: '', updateMask: [], metadata: undefined, ...fields };
}

describe('readProfileChanges', () => {
  it('returns only the masked fields', () => {
    const changes = readProfileChanges(
      update({ updateMask: ['display_name'], displayName: 'Ada', email: 'ignored@example.org' }),
    );
    expect(changes).toEqual({ displayName: 'Ada' });
  });

  it('counts a display name in code points', () => {
    const changes = readProfileChanges(
      update({ updateMask: ['display_name'], displayName: '😀'.repeat(100) }),
    );
    expect(changes.displayName).toBe('😀'.repeat(100));
  });

  it('accepts every field', () => {
    const changes = readProfileChanges(
      update({
        updateMask: ['display_name', 'email', 'locale', 'metadata'],
        displayName: 'Ada',
        email: 'ada@example.org',
        locale: 'en-GB',
        metadata: { team: 'engines' },
      }),
    );
    expect(changes).toEqual({
      displayName: 'Ada',
      email: 'ada@example.org',
      locale: 'en-GB',
      metadata: { team: 'engines' },
    });
  });

  it.each<[string, Partial<UpdateProfileRequest>, RegExp]>([
    ['an empty mask', {}, /update_mask is empty/],
    ['an unknown field', { updateMask: ['roles'] }, /unknown field "roles"/],
    ['a repeated field', { updateMask: ['email', 'email'], email: 'a@b.co' }, /more than once/],
    [
      'a masked field without value',
      { updateMask: ['display_name'] },
      /display_name is in update_mask but not set/,
    ],
    [
      'a long display name',
      { updateMask: ['display_name'], displayName: 'x'.repeat(101) },
      /limit is 100/,
    ],
    [
      '101 emoji',
      { updateMask: ['display_name'], displayName: '😀'.repeat(101) },
      /is 101 characters/,
    ],
    ['an empty display name', { updateMask: ['display_name'], displayName: '' }, /is empty/],
    [
      'a control character',
      { updateMask: ['display_name'], displayName: 'a\nb' },
      /contains U\+000A, a control or formatting character/,
    ],
    [
      'a right-to-left override',
      { updateMask: ['display_name'], displayName: '\u202egnp.exe' },
      /contains U\+202E/,
    ],
    ['NUL in metadata', { updateMask: ['metadata'], metadata: { k: 'a\u0000b' } }, /NUL/],
    [
      'an invalid email',
      { updateMask: ['email'], email: 'no-at-sign' },
      /email is not a valid address/,
    ],
    ['an invalid locale', { updateMask: ['locale'], locale: 'english!' }, /locale is not a BCP 47/],
    [
      'oversized metadata',
      { updateMask: ['metadata'], metadata: { x: 'y'.repeat(5000) } },
      /limit is 4096/,
    ],
  ])('rejects %s', (_name, fields, message) => {
    expect(() => readProfileChanges(update(fields))).toThrow(message);
  });
});
