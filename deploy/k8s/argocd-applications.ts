import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { Construct } from 'constructs';

import { addModel } from './api-model.js';
import type { KubernetesEnvironment } from './environments.js';
import { syncWaveAnnotation, syncWaves } from './sync-waves.js';

/** Namespace where ArgoCD runs and keeps its Applications. */
export const ARGOCD_NAMESPACE = 'argocd';

/** The parts of an environment, one ArgoCD Application each, in the order they deploy. */
export const applicationParts = ['platform', 'data', 'public'] as const;

export type ApplicationPart = (typeof applicationParts)[number];

const partWaves: Record<ApplicationPart, number> = {
  platform: syncWaves.platform,
  data: syncWaves.data,
  public: syncWaves.public,
};

/** Returns the folder, relative to the GitOps branch root, that contains one part's manifests. */
export function manifestFolder(environment: KubernetesEnvironment, part: ApplicationPart): string {
  return `${environment.name}/${part}`;
}

/**
 * The ArgoCD AppProject and Applications of one environment. An app-of-apps syncs the three
 * Applications in wave order: platform (namespace, policies, secrets), data (PreSync migration,
 * then the gatekeeper), public (web and edge). The project allows only this repository and the
 * workload namespace, so a changed manifest cannot deploy elsewhere.
 */
export class ArgoCdApplications extends Construct {
  constructor(scope: Construct, id: string, environment: KubernetesEnvironment) {
    super(scope, id);
    const project = `palisade-${environment.name}`;

    addModel(
      this,
      'project',
      new AppProject({
        metadata: { name: project, namespace: ARGOCD_NAMESPACE },
        spec: {
          description: `Palisade ${environment.name}`,
          sourceRepos: [environment.gitOps.repoUrl],
          destinations: [
            { server: 'https://kubernetes.default.svc', namespace: environment.namespace },
          ],
          clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        },
      }),
    );

    for (const part of applicationParts) {
      addModel(
        this,
        `application-${part}`,
        new Application({
          metadata: {
            name: `palisade-${environment.name}-${part}`,
            namespace: ARGOCD_NAMESPACE,
            annotations: syncWaveAnnotation(partWaves[part]),
            finalizers: ['resources-finalizer.argocd.argoproj.io'],
          },
          spec: {
            project,
            source: {
              repoURL: environment.gitOps.repoUrl,
              targetRevision: environment.gitOps.revision,
              path: manifestFolder(environment, part),
            },
            destination: {
              server: 'https://kubernetes.default.svc',
              namespace: environment.namespace,
            },
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              syncOptions: ['PruneLast=true'],
              retry: {
                limit: 5,
                backoff: { duration: '10s', factor: 2, maxDuration: '5m' },
              },
            },
          },
        }),
      );
    }
  }
}
