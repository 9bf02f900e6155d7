import { parseAuthorizationPolicy } from '@palisade/identity';
import { describe, expect, it } from 'vitest';

import { ManifestError } from './errors.js';
import { gatekeeperMeshRules, meshPrincipalOf, serviceAccountOf } from './mesh-authorization.js';

const WEB = 'spiffe://palisade.local/ns/palisade/sa/web';

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof ManifestError) return error.code;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe('meshPrincipalOf', () => {
  it('maps to the cluster trust domain', () => {
    expect(meshPrincipalOf(WEB, 'palisade')).toBe('cluster.local/ns/palisade/sa/web');
  });

  it('rejects an invalid SPIFFE ID', () => {
    expect(
      codeOf(() => meshPrincipalOf('https://palisade.local/ns/palisade/sa/web', 'palisade')),
    ).toBe('MESH_PRINCIPAL_INVALID');
  });

  it('rejects a path without a ServiceAccount', () => {
    expect(codeOf(() => serviceAccountOf('spiffe://palisade.local/web', 'palisade'))).toBe(
      'MESH_PRINCIPAL_INVALID',
    );
    expect(
      codeOf(() => serviceAccountOf('spiffe://palisade.local/ns/palisade/sa/web/x', 'palisade')),
    ).toBe('MESH_PRINCIPAL_INVALID');
  });

  it('rejects another namespace', () => {
    expect(() => serviceAccountOf('spiffe://palisade.local/ns/other/sa/web', 'palisade')).toThrow(
      /names namespace other, but the workloads run in palisade/,
    );
  });
});

describe('gatekeeperMeshRules', () => {
  const policy = parseAuthorizationPolicy(
    {
      version: 1,
      trustDomain: 'palisade.local',
      rules: [
        { method: '/palisade.gatekeeper.v1.UserService/GetProfile', allow: [WEB] },
        {
          method: '/grpc.health.v1.Health/*',
          allow: [WEB, 'spiffe://palisade.local/ns/palisade/sa/cli'],
        },
      ],
    },
    'test.json',
  );

  it('allows every caller of the policy on the port', () => {
    expect(gatekeeperMeshRules(policy, 'palisade', 50051)).toEqual([
      {
        from: [
          {
            source: {
              principals: ['cluster.local/ns/palisade/sa/cli', 'cluster.local/ns/palisade/sa/web'],
            },
          },
        ],
        to: [{ operation: { ports: ['50051'] } }],
      },
    ]);
  });

  it('lists each principal once', () => {
    const [rule] = gatekeeperMeshRules(policy, 'palisade', 50051);
    const principals = rule?.from[0]?.source.principals ?? [];
    expect(principals).toHaveLength(new Set(principals).size);
  });

  it('matches no method path', () => {
    const [rule] = gatekeeperMeshRules(policy, 'palisade', 50051);
    expect(Object.keys(rule?.to[0]?.operation ?? {})).toEqual(['ports']);
  });

  it('rejects a caller from another namespace', () => {
    const foreign = parseAuthorizationPolicy(
      {
        version: 1,
        trustDomain: 'palisade.local',
        rules: [{ method: '/a.B/C', allow: ['spiffe://palisade.local/ns/other/sa/web'] }],
      },
      'test.json',
    );
    expect(codeOf(() => gatekeeperMeshRules(foreign, 'palisade', 50051))).toBe(
      'MESH_PRINCIPAL_INVALID',
    );
  });
});
