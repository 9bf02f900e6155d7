import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';

/** UID and GID of the `nonroot` user of the distroless runtime images. */
export const NON_ROOT_ID = 65532;

/**
 * Pod-level security context: a fixed non-root user and group, and the container runtime's
 * default seccomp profile. It meets the Pod Security Standards "restricted" level.
 */
export function podSecurityContext(): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NON_ROOT_ID,
    runAsGroup: NON_ROOT_ID,
    fsGroup: NON_ROOT_ID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Container-level security context: read-only root filesystem, every Linux capability dropped,
 * no privilege escalation (setuid binaries cannot gain rights) and no privileged mode.
 */
export function containerSecurityContext(): ISecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NON_ROOT_ID,
    runAsGroup: NON_ROOT_ID,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Builds a small memory-backed `/tmp`, the only writable path. The root filesystem is read-only,
 * but Node.js and its libraries still create temporary files.
 */
export function scratchVolume(): { volume: IVolume; mount: IVolumeMount } {
  return {
    volume: { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    mount: { name: 'tmp', mountPath: '/tmp' },
  };
}
