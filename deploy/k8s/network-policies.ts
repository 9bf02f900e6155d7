import type { AuthorizationPolicy } from '@palisade/identity';
import { Construct } from 'constructs';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyEgressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule';
import type { INetworkPolicyIngressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule';

import { addModel } from './api-model.js';
import type { KubernetesEnvironment } from './environments.js';
import { serviceAccountOf } from './mesh-authorization.js';
import { METRICS_PORT, servicePortOf, type ServiceDefinition } from './services.js';
import { SERVICE_ACCOUNT_LABEL, selectorLabels } from './workload-pod.js';

/** ServiceAccount of the migration Job. */
export const MIGRATION_SERVICE_ACCOUNT = 'palisade-migrate';

const namespaceLabel = 'kubernetes.io/metadata.name';
// EKS Pod Identity agent, which serves the workloads' AWS credentials on the node.
const podIdentityAgent = '169.254.170.23/32';
const instanceMetadata = '169.254.169.254/32';

/**
 * Returns the ServiceAccounts that the policy file lets call at least one gatekeeper method. The
 * gatekeeper's ingress rule admits pods of exactly these accounts, mirroring the mesh policy.
 */
export function gatekeeperCallerAccounts(policy: AuthorizationPolicy, namespace: string): string[] {
  const accounts = policy.rules.flatMap((rule) =>
    rule.allow.map((id) => serviceAccountOf(id, namespace)),
  );
  return [...new Set(accounts)].sort();
}

/** Inputs of {@link NetworkIsolation}. */
export interface NetworkIsolationProps {
  readonly environment: KubernetesEnvironment;
  readonly policy: AuthorizationPolicy;
  readonly services: readonly ServiceDefinition[];
}

/**
 * NetworkPolicies that mirror the mesh authorisation at layer 3/4: the namespace denies all
 * traffic in both directions, then each workload gets only the peers and ports it needs. They
 * still hold if a sidecar is missing or bypassed.
 */
export class NetworkIsolation extends Construct {
  constructor(scope: Construct, id: string, props: NetworkIsolationProps) {
    super(scope, id);
    const { environment, policy, services } = props;
    const { namespace } = environment;
    const byName = new Map(services.map((service) => [service.name, service]));
    const add = (
      name: string,
      podSelector: Record<string, string>,
      ingress: INetworkPolicyIngressRule[] | undefined,
      egress: INetworkPolicyEgressRule[] | undefined,
    ): void => {
      const policyTypes: ('Ingress' | 'Egress')[] = [];
      if (ingress !== undefined) policyTypes.push('Ingress');
      if (egress !== undefined) policyTypes.push('Egress');
      addModel(
        this,
        name,
        new NetworkPolicy({
          metadata: { name, namespace },
          spec: { podSelector: { matchLabels: podSelector }, policyTypes, ingress, egress },
        }),
      );
    };

    add('default-deny', {}, [], []);
    add(
      'mesh-and-dns',
      {},
      [{ from: [inNamespace('monitoring')], ports: [tcp(15020), tcp(METRICS_PORT)] }],
      [
        {
          to: [inNamespace('kube-system', { 'k8s-app': 'kube-dns' })],
          ports: [{ protocol: 'UDP', port: 53 }, tcp(53)],
        },
        { to: [inNamespace('istio-system', { app: 'istiod' })], ports: [tcp(15012)] },
      ],
    );

    const gatekeeper = byName.get('gatekeeper');
    if (gatekeeper !== undefined) {
      const callers = gatekeeperCallerAccounts(policy, namespace);
      add(
        'gatekeeper',
        selectorLabels(gatekeeper),
        [
          {
            from: [
              {
                podSelector: {
                  matchExpressions: [
                    { key: SERVICE_ACCOUNT_LABEL, operator: 'In', values: callers },
                  ],
                },
              },
            ],
            ports: [servicePort(gatekeeper)],
          },
        ],
        [
          toCidrs(environment.database.cidrs, 5432),
          toRedis(environment),
          toKafka(environment),
          toCidrs([podIdentityAgent], 80),
          httpsToInternet(),
        ],
      );
    }

    const web = byName.get('web');
    const edge = byName.get('edge');
    if (web !== undefined) {
      const from = [inNamespace('istio-ingress')];
      if (edge !== undefined) from.push({ podSelector: { matchLabels: selectorLabels(edge) } });
      const egress = [toRedis(environment), toCidrs([podIdentityAgent], 80), httpsToInternet()];
      if (gatekeeper !== undefined) {
        egress.push({
          to: [{ podSelector: { matchLabels: selectorLabels(gatekeeper) } }],
          ports: [servicePort(gatekeeper)],
        });
      }
      add('web', selectorLabels(web), [{ from, ports: [servicePort(web)] }], egress);
    }

    if (edge !== undefined) {
      const egress =
        web === undefined
          ? []
          : [
              {
                to: [{ podSelector: { matchLabels: selectorLabels(web) } }],
                ports: [servicePort(web)],
              },
            ];
      add(
        'edge',
        selectorLabels(edge),
        [{ from: [inNamespace('istio-ingress')], ports: [servicePort(edge)] }],
        egress,
      );
    }

    const inventory = byName.get('inventory');
    if (inventory !== undefined) {
      add(
        'inventory',
        selectorLabels(inventory),
        [],
        [
          toCidrs(environment.database.cidrs, 5432),
          toRedis(environment),
          toKafka(environment),
          toCidrs([podIdentityAgent], 80),
        ],
      );
    }

    add(
      'migration',
      { [SERVICE_ACCOUNT_LABEL]: MIGRATION_SERVICE_ACCOUNT },
      [],
      [toCidrs(environment.database.cidrs, 5432)],
    );
  }
}

function tcp(port: number): { protocol: 'TCP'; port: number } {
  return { protocol: 'TCP', port };
}

/** Returns the Service port of a workload that other pods call, as a NetworkPolicy port. */
function servicePort(service: ServiceDefinition): { protocol: 'TCP'; port: number } {
  return tcp(servicePortOf(service, 'a NetworkPolicy rule'));
}

function inNamespace(
  namespace: string,
  podLabels?: Record<string, string>,
): NonNullable<INetworkPolicyIngressRule['from']>[number] {
  return {
    namespaceSelector: { matchLabels: { [namespaceLabel]: namespace } },
    ...(podLabels === undefined ? {} : { podSelector: { matchLabels: podLabels } }),
  };
}

function toKafka(environment: KubernetesEnvironment): INetworkPolicyEgressRule {
  return { to: [inNamespace(environment.kafka.namespace)], ports: [tcp(9092)] };
}

/** Returns the egress rule to ElastiCache for Redis in the isolated subnets. */
function toRedis(environment: KubernetesEnvironment): INetworkPolicyEgressRule {
  return toCidrs(environment.redis.cidrs, environment.redis.port);
}

function toCidrs(cidrs: readonly string[], port: number): INetworkPolicyEgressRule {
  return { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(port)] };
}

/** HTTPS to the internet, for the OIDC issuer's JWKS; the instance metadata service stays closed. */
function httpsToInternet(): INetworkPolicyEgressRule {
  return {
    to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [instanceMetadata] } }],
    ports: [tcp(443)],
  };
}
