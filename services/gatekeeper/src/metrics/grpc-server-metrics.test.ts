import { AuthorizationPolicy } from '@palisade/identity';
import { describe, expect, it } from 'vitest';

import { methodLabelOf, unknownMethodLabel } from './grpc-server-metrics.js';

const web = 'spiffe://palisade.local/ns/palisade/sa/web';
const policy = new AuthorizationPolicy('palisade.local', [
  { method: '/palisade.gatekeeper.v1.UserService/GetProfile', allow: [web] },
  { method: '/grpc.health.v1.Health/*', allow: [web] },
]);

describe('methodLabelOf', () => {
  it('keeps a method the policy names', () => {
    const path = '/palisade.gatekeeper.v1.UserService/GetProfile';

    expect(methodLabelOf(policy, path)).toBe(path);
  });

  it('keeps a method of a service the policy names', () => {
    expect(methodLabelOf(policy, '/grpc.health.v1.Health/Check')).toBe(
      '/grpc.health.v1.Health/Check',
    );
  });

  it.each([
    '/palisade.gatekeeper.v1.UserService/DropTables',
    '/made.up.Service/Method',
    'no-slash',
    '',
  ])('labels %j as unknown', (path) => {
    expect(methodLabelOf(policy, path)).toBe(unknownMethodLabel);
  });
});
