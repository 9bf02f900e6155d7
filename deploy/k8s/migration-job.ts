import { Job } from 'kubernetes-models/batch/v1/Job';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

import type { KubernetesEnvironment } from './environments.js';
import { imageReference } from './image-reference.js';
import { MIGRATION_SERVICE_ACCOUNT } from './network-policies.js';
import { containerSecurityContext, podSecurityContext, scratchVolume } from './pod-hardening.js';
import { HOOK_ANNOTATION, syncWaveAnnotation, syncWaves } from './sync-waves.js';
import { MIGRATION_DATABASE_SECRET } from './vault-secrets.js';
import { SERVICE_ACCOUNT_LABEL } from './workload-pod.js';

/** Image of the `palisade` command line, which carries the migrations. */
export const CLI_IMAGE = 'cli';

/** The ServiceAccount of the migration Job; it exists before the PreSync hook runs. */
export function migrationServiceAccount(environment: KubernetesEnvironment): ServiceAccount {
  return new ServiceAccount({
    metadata: {
      name: MIGRATION_SERVICE_ACCOUNT,
      namespace: environment.namespace,
      annotations: syncWaveAnnotation(syncWaves.platform),
    },
    automountServiceAccountToken: false,
  });
}

/**
 * The Job that runs `palisade migrate` as an ArgoCD PreSync hook, so the schema is current
 * before any service of the new version starts. It connects as the migration role, whose
 * credentials come from Vault; the services never hold them.
 */
export function migrationJob(environment: KubernetesEnvironment): Job {
  const scratch = scratchVolume();
  return new Job({
    metadata: {
      name: 'palisade-migrate',
      namespace: environment.namespace,
      labels: {
        'app.kubernetes.io/name': 'palisade-migrate',
        'app.kubernetes.io/part-of': 'palisade',
      },
      annotations: {
        [HOOK_ANNOTATION]: 'PreSync',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
        ...syncWaveAnnotation(syncWaves.migration),
      },
    },
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: 900,
      template: {
        metadata: {
          labels: {
            'app.kubernetes.io/name': 'palisade-migrate',
            [SERVICE_ACCOUNT_LABEL]: MIGRATION_SERVICE_ACCOUNT,
            // The Job talks only to PostgreSQL outside the mesh, and a sidecar that never exits
            // would keep the Job from completing.
            'sidecar.istio.io/inject': 'false',
          },
        },
        spec: {
          serviceAccountName: MIGRATION_SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          restartPolicy: 'Never',
          securityContext: podSecurityContext(),
          containers: [
            {
              name: 'migrate',
              image: imageReference(environment.imageRegistry, CLI_IMAGE, environment.imageTag),
              args: ['migrate'],
              env: [
                {
                  name: 'DATABASE_URL',
                  valueFrom: {
                    secretKeyRef: { name: MIGRATION_DATABASE_SECRET, key: 'DATABASE_URL' },
                  },
                },
              ],
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '500m', memory: '256Mi' },
              },
              securityContext: containerSecurityContext(),
              volumeMounts: [scratch.mount],
            },
          ],
          volumes: [scratch.volume],
        },
      },
    },
  });
}
