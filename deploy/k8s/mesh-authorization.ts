import { AuthorizationPolicy as IstioAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { InvalidSpiffeIdError, parseSpiffeId, type AuthorizationPolicy } from '@palisade/identity';
import { Construct } from 'constructs';

import { addModel } from './api-model.js';
import { ManifestError } from './errors.js';
import { servicePortOf, type ServiceDefinition } from './services.js';
import { selectorLabels } from './workload-pod.js';

/** Trust domain of the mesh's workload certificates: Istio uses the cluster's. */
export const MESH_TRUST_DOMAIN = 'cluster.local';
/** Istio principal of the ingress gateway that forwards user traffic into the namespace. */
export const INGRESS_GATEWAY_PRINCIPAL = `${MESH_TRUST_DOMAIN}/ns/istio-ingress/sa/istio-ingressgateway`;

const SERVICE_ACCOUNT_PATH = /^\/ns\/([^/]+)\/sa\/([^/]+)$/;

/**
 * Returns the ServiceAccount named by a SPIFFE ID of the form
 * `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`.
 *
 * @throws {ManifestError} `MESH_PRINCIPAL_INVALID` when the ID is invalid, has another path
 * shape, or names another namespace than `namespace`.
 */
export function serviceAccountOf(spiffeId: string, namespace: string): string {
  let path: string;
  try {
    path = parseSpiffeId(spiffeId).path;
  } catch (cause) {
    if (!(cause instanceof InvalidSpiffeIdError)) throw cause;
    throw new ManifestError('MESH_PRINCIPAL_INVALID', cause.message, { cause });
  }

  const match = SERVICE_ACCOUNT_PATH.exec(path);
  if (match === null) {
    throw new ManifestError(
      'MESH_PRINCIPAL_INVALID',
      `SPIFFE ID ${spiffeId} has no /ns/<namespace>/sa/<service-account> path, so no mesh ` +
        'principal matches it: name the caller by its Kubernetes ServiceAccount',
    );
  }
  const [, idNamespace, serviceAccount] = match as unknown as [string, string, string];
  if (idNamespace !== namespace) {
    throw new ManifestError(
      'MESH_PRINCIPAL_INVALID',
      `SPIFFE ID ${spiffeId} names namespace ${idNamespace}, but the workloads run in ` +
        `${namespace}: fix the policy file or the environment's namespace`,
    );
  }
  return serviceAccount;
}

/** Maps a SPIFFE ID of the policy file to the Istio principal of the same ServiceAccount. */
export function meshPrincipalOf(spiffeId: string, namespace: string): string {
  return `${MESH_TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccountOf(spiffeId, namespace)}`;
}

/**
 * Translates the gatekeeper's in-process policy into one Istio ALLOW rule at layer 4: the
 * principals of every caller that the policy file names for any method, on the gatekeeper's port
 * only. The gatekeeper terminates its own mutual TLS inside the mesh's, so its sidecar receives no
 * HTTP/2 and could never match a method path. The gatekeeper enforces the per-method allow-list
 * in process, from the same file.
 */
export function gatekeeperMeshRules(
  policy: AuthorizationPolicy,
  namespace: string,
  port: number,
): { from: { source: { principals: string[] } }[]; to: { operation: { ports: string[] } }[] }[] {
  const principals = new Set(
    policy.rules.flatMap((rule) => rule.allow.map((id) => meshPrincipalOf(id, namespace))),
  );
  return [
    {
      from: [{ source: { principals: [...principals].sort() } }],
      to: [{ operation: { ports: [String(port)] } }],
    },
  ];
}

/** Inputs of {@link MeshAuthorization}. */
export interface MeshAuthorizationProps {
  readonly namespace: string;
  readonly policy: AuthorizationPolicy;
  readonly services: readonly ServiceDefinition[];
}

/**
 * The mesh's half of zero trust: STRICT mutual TLS for the whole namespace, a namespace-wide
 * policy that allows nothing, and ALLOW policies per workload. The gatekeeper's policy is
 * generated from the same file that the gatekeeper enforces in-process, so the two cannot
 * disagree.
 */
export class MeshAuthorization extends Construct {
  constructor(scope: Construct, id: string, props: MeshAuthorizationProps) {
    super(scope, id);
    const { namespace, policy, services } = props;
    const byName = new Map(services.map((service) => [service.name, service]));

    addModel(
      this,
      'strict-mtls',
      new PeerAuthentication({
        metadata: { name: 'default', namespace },
        spec: { mtls: { mode: 'STRICT' } },
      }),
    );

    // An ALLOW policy that matches nothing turns the namespace into deny-by-default.
    addModel(
      this,
      'allow-nothing',
      new IstioAuthorizationPolicy({ metadata: { name: 'allow-nothing', namespace }, spec: {} }),
    );

    const gatekeeper = byName.get('gatekeeper');
    if (gatekeeper !== undefined) {
      addModel(
        this,
        'gatekeeper-callers',
        new IstioAuthorizationPolicy({
          metadata: { name: 'gatekeeper-callers', namespace },
          spec: {
            selector: { matchLabels: selectorLabels(gatekeeper) },
            action: 'ALLOW',
            rules: gatekeeperMeshRules(
              policy,
              namespace,
              servicePortOf(gatekeeper, 'its mesh policy'),
            ),
          },
        }),
      );
    }

    const edge = byName.get('edge');
    for (const service of services.filter((candidate) => candidate.tier === 'public')) {
      const callers = [INGRESS_GATEWAY_PRINCIPAL];
      if (service.name !== 'edge' && edge !== undefined) {
        callers.push(`${MESH_TRUST_DOMAIN}/ns/${namespace}/sa/${edge.serviceAccount}`);
      }
      addModel(
        this,
        `${service.name}-callers`,
        new IstioAuthorizationPolicy({
          metadata: { name: `${service.name}-callers`, namespace },
          spec: {
            selector: { matchLabels: selectorLabels(service) },
            action: 'ALLOW',
            rules: [
              {
                from: [{ source: { principals: callers } }],
                to: [{ operation: { ports: [String(servicePortOf(service, 'its mesh policy'))] } }],
              },
            ],
          },
        }),
      );
    }
  }
}
