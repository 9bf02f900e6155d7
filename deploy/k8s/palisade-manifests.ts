import type { AuthorizationPolicy } from '@palisade/identity';
import { App, Chart } from 'cdk8s';
import { Namespace } from 'kubernetes-models/v1/Namespace';

import { addModel } from './api-model.js';
import {
  ArgoCdApplications,
  applicationParts,
  type ApplicationPart,
} from './argocd-applications.js';
import { promotionAnalysisTemplate } from './blue-green.js';
import type { KubernetesEnvironment } from './environments.js';
import { MeshAuthorization } from './mesh-authorization.js';
import { migrationJob, migrationServiceAccount } from './migration-job.js';
import { NetworkIsolation } from './network-policies.js';
import { ServiceWorkload } from './service-workload.js';
import { serviceDefinitions } from './services.js';
import { syncWaveAnnotation, syncWaves } from './sync-waves.js';
import { VaultSecrets } from './vault-secrets.js';

/** The synthesised manifests of one environment: one list per ArgoCD Application, plus the apps. */
export type EnvironmentManifests = Readonly<
  Record<ApplicationPart | 'argocd', readonly Record<string, unknown>[]>
>;

/**
 * Builds the cdk8s app of one environment, one chart per ArgoCD Application and one chart with
 * the Applications themselves. `policy` is the gatekeeper's in-process authorisation policy, from
 * which the mesh and network policies are generated.
 */
export function buildKubernetesApp(
  environment: KubernetesEnvironment,
  policy: AuthorizationPolicy,
): App {
  const app = new App();
  const services = serviceDefinitions(environment, policy.trustDomain);
  const { namespace } = environment;
  const charts = Object.fromEntries(
    applicationParts.map((part) => [part, new Chart(app, part, { namespace })]),
  ) as Record<ApplicationPart, Chart>;

  addModel(
    charts.platform,
    'namespace',
    new Namespace({
      metadata: {
        name: namespace,
        labels: {
          'istio-injection': 'enabled',
          // "restricted" admits the sidecars only with the Istio CNI plugin, which replaces the
          // privileged istio-init container.
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
        annotations: syncWaveAnnotation(syncWaves.platform - 1),
      },
    }),
  );
  new MeshAuthorization(charts.platform, 'mesh', { namespace, policy, services });
  new NetworkIsolation(charts.platform, 'network', { environment, policy, services });
  new VaultSecrets(charts.platform, 'secrets', { environment, services });
  addModel(charts.platform, 'migration-account', migrationServiceAccount(environment));

  addModel(charts.data, 'migration', migrationJob(environment));
  addModel(charts.public, 'promotion-analysis', promotionAnalysisTemplate(environment));
  for (const service of services) {
    const chart = service.tier === 'public' ? charts.public : charts.data;
    new ServiceWorkload(chart, service.name, { service, environment });
  }

  new ArgoCdApplications(new Chart(app, 'argocd'), 'applications', environment);
  return app;
}

/** Synthesises the manifests of one environment as plain objects, grouped by chart. */
export function synthesiseManifests(
  environment: KubernetesEnvironment,
  policy: AuthorizationPolicy,
): EnvironmentManifests {
  const app = buildKubernetesApp(environment, policy);
  const byChart = Object.fromEntries(
    app.charts.map((chart) => [chart.node.id, chart.toJson() as Record<string, unknown>[]]),
  );
  return byChart as unknown as EnvironmentManifests;
}
