import { AnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';

import type { KubernetesEnvironment } from './environments.js';
import type { ServiceDefinition } from './services.js';

/** Name of the analysis that gates every public-tier promotion. */
export const PROMOTION_ANALYSIS = 'public-tier-promotion';
/** How long the previous (blue) ReplicaSet keeps running after promotion, for instant rollback. */
export const SCALE_DOWN_DELAY_SECONDS = 30 * 60;
/** Share of 5xx responses above which a new version is not promoted. */
export const MAX_ERROR_RATE = 0.01;

/** Name of the Service that routes to the new (green) version before promotion. */
export function previewServiceName(service: { readonly name: string }): string {
  return `${service.name}-preview`;
}

/**
 * Builds the blue/green strategy of a public-tier Rollout: the new version starts behind the
 * preview Service, the promotion analysis must pass before the active Service switches to it,
 * and the old version stays up for {@link SCALE_DOWN_DELAY_SECONDS}.
 */
export function blueGreenStrategy(service: ServiceDefinition): object {
  return {
    blueGreen: {
      activeService: service.name,
      previewService: previewServiceName(service),
      autoPromotionEnabled: true,
      scaleDownDelaySeconds: SCALE_DOWN_DELAY_SECONDS,
      prePromotionAnalysis: {
        templates: [{ templateName: PROMOTION_ANALYSIS }],
        args: [
          { name: 'service', value: service.name },
          { name: 'preview-hash', valueFrom: { podTemplateHashValue: 'Preview' } },
        ],
      },
    },
  };
}

/**
 * Builds the pre-promotion analysis: every preview pod is up (Prometheus `up`), and the share of 5xx
 * responses stays at or under {@link MAX_ERROR_RATE}. Prometheus reads both from the pods'
 * metrics port, so the analysis needs no route into the mesh. A preview without traffic has no
 * error rate (NaN) and passes that check.
 */
export function promotionAnalysisTemplate(environment: KubernetesEnvironment): AnalysisTemplate {
  const { namespace, prometheusAddress } = environment;
  const pods = `namespace="${namespace}",rollouts_pod_template_hash="{{args.preview-hash}}"`;
  const requests = `http_server_request_duration_seconds_count{${pods}}`;
  const errors = `http_server_request_duration_seconds_count{${pods},http_response_status_code=~"5.."}`;

  return new AnalysisTemplate({
    metadata: { name: PROMOTION_ANALYSIS, namespace },
    spec: {
      args: [{ name: 'service' }, { name: 'preview-hash' }],
      metrics: [
        {
          name: 'health',
          interval: '30s',
          count: 5,
          failureLimit: 1,
          successCondition: 'len(result) > 0 && result[0] == 1',
          provider: {
            prometheus: { address: prometheusAddress, query: `min(up{${pods}})` },
          },
        },
        {
          name: 'error-rate',
          interval: '60s',
          count: 5,
          failureLimit: 1,
          successCondition: `len(result) == 0 || isNaN(result[0]) || result[0] <= ${MAX_ERROR_RATE}`,
          provider: {
            prometheus: {
              address: prometheusAddress,
              query: `sum(rate(${errors}[2m])) / sum(rate(${requests}[2m]))`,
            },
          },
        },
      ],
    },
  });
}
