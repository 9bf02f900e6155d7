import type { Tier } from './services.js';

/** ArgoCD annotation that orders resources within a sync: lower waves apply and turn healthy first. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** ArgoCD annotation that turns a resource into a hook of a sync phase. */
export const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';

/**
 * Deployment order: namespace-wide policies and secrets, then the schema migration, then the
 * gatekeeper (the only database client), then the public tier that calls it. Each step starts
 * only after the previous one is healthy, so web never runs against an older gatekeeper or
 * schema.
 */
export const syncWaves = {
  platform: -2,
  migration: -1,
  data: 0,
  backend: 0,
  public: 1,
} as const satisfies Record<Tier | 'platform' | 'migration', number>;

/** Returns the sync-wave annotation for `wave`. */
export function syncWaveAnnotation(wave: number): Record<string, string> {
  return { [SYNC_WAVE_ANNOTATION]: String(wave) };
}
