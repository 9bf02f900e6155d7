import { describe, expect, it } from 'vitest';

import { otherRoute, routeLabelOf } from './route-label.js';

describe('routeLabelOf', () => {
  it.each([
    ['/token', '/token'],
    ['/healthz?probe=1', '/healthz'],
    ['/interaction/abc123', '/interaction/:uid'],
    ['/interaction/abc123/login', '/interaction/:uid/:action'],
    ['/auth/xyz', '/auth/:uid'],
    ['/.well-known/openid-configuration', '/.well-known/openid-configuration'],
  ])('maps %s to %s', (path, label) => {
    expect(routeLabelOf(path)).toBe(label);
  });

  it('puts unknown paths into one label', () => {
    expect(routeLabelOf('/random-1')).toBe(otherRoute);
    expect(routeLabelOf('/random-2')).toBe(otherRoute);
  });
});
