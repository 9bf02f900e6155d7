import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

import type { experimental } from '@grpc/grpc-js';

import { silentLogger, type CredentialLogger } from '../credential-logger.js';
import { reasonOf } from '../errors.js';
import {
  readWorkloadCertificate,
  type WorkloadCertificateFiles,
  type WorkloadCertificateMaterial,
} from './certificate-files.js';

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/** Options of {@link ReloadingCertificateProvider}. */
export interface CertificateReloadOptions {
  readonly files: WorkloadCertificateFiles;
  /** Interval of the fallback check, in milliseconds, for file systems without change events. */
  readonly pollIntervalMs?: number;
  /** Delay before reading after a change event, in milliseconds, so a rotation can finish. */
  readonly settleDelayMs?: number;
  readonly logger?: CredentialLogger;
}

/**
 * A gRPC certificate provider for a workload's certificate, key and trust bundle that reloads
 * them when the files change, so a rotated certificate is used without a restart. New TLS
 * handshakes use the new files; open connections keep theirs until they close.
 *
 * Changes are noticed by file-system events on the files' folders (which also catch the
 * symlink swap of a Kubernetes volume) and by a periodic check. A set of files that does not
 * belong together, such as a new certificate whose new key is not written yet, is never
 * published. The provider keeps the previous set and reads again at the next change or check.
 */
export class ReloadingCertificateProvider implements experimental.CertificateProvider {
  readonly #options: CertificateReloadOptions;
  readonly #logger: CredentialLogger;
  readonly #caListeners = new Set<CaListener>();
  readonly #identityListeners = new Set<IdentityListener>();
  readonly #watchers: FSWatcher[] = [];
  #material: WorkloadCertificateMaterial;
  #poll: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;
  #reloading: Promise<boolean> | undefined;
  #lastProblem: string | undefined;

  private constructor(options: CertificateReloadOptions, material: WorkloadCertificateMaterial) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#material = material;
  }

  /**
   * Reads the files once and starts watching them.
   *
   * @throws {CredentialError} `CERTIFICATE_FILES_INVALID` when the files cannot be used.
   */
  static async start(options: CertificateReloadOptions): Promise<ReloadingCertificateProvider> {
    const provider = new ReloadingCertificateProvider(
      options,
      await readWorkloadCertificate(options.files),
    );
    provider.#watch();
    return provider;
  }

  /** The certificate presented now. */
  get certificate(): WorkloadCertificateMaterial['leaf'] {
    return this.#material.leaf;
  }

  /**
   * Reads the files and publishes them when they changed and belong together. Returns whether
   * a new set was published. Never throws: a bad set is logged and the current one kept.
   */
  reload(): Promise<boolean> {
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  /** Stops watching the files. */
  close(): void {
    clearInterval(this.#poll);
    clearTimeout(this.#settle);
    for (const watcher of this.#watchers) watcher.close();
  }

  addCaCertificateListener(listener: CaListener): void {
    this.#caListeners.add(listener);
    process.nextTick(listener, { caCertificate: this.#material.ca });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.#caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.add(listener);
    const { certificate, privateKey } = this.#material;
    process.nextTick(listener, { certificate, privateKey });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.delete(listener);
  }

  async #reload(): Promise<boolean> {
    let material: WorkloadCertificateMaterial;
    try {
      material = await readWorkloadCertificate(this.#options.files);
    } catch (error) {
      // Logged once per problem: the periodic check repeats it until the files are fixed, and
      // the write that completes a pair raises a change event of its own.
      const reason = reasonOf(error);
      if (reason !== this.#lastProblem) {
        this.#logger.warn(
          { reason },
          'workload certificate files unusable; keeping the current ones',
        );
      }
      this.#lastProblem = reason;
      return false;
    }
    this.#lastProblem = undefined;
    if (this.#sameAsCurrent(material)) return false;

    this.#material = material;
    this.#publish();
    this.#logger.info(
      {
        serial: material.leaf.serialNumber,
        not_after: material.leaf.validTo,
        subject_alt_name: material.leaf.subjectAltName ?? null,
      },
      'workload certificate reloaded',
    );
    return true;
  }

  #sameAsCurrent(material: WorkloadCertificateMaterial): boolean {
    const current = this.#material;
    return (
      current.certificate.equals(material.certificate) &&
      current.privateKey.equals(material.privateKey) &&
      current.ca.equals(material.ca)
    );
  }

  #publish(): void {
    const { certificate, privateKey, ca } = this.#material;
    for (const listener of this.#identityListeners) listener({ certificate, privateKey });
    for (const listener of this.#caListeners) listener({ caCertificate: ca });
  }

  #watch(): void {
    const { files } = this.#options;
    const folders = new Set([files.certFile, files.keyFile, files.caFile].map((f) => dirname(f)));
    for (const folder of folders) {
      try {
        const watcher = watch(folder, { persistent: false }, () => this.#scheduleSettledReload());
        watcher.on('error', (error) => {
          this.#logger.warn({ folder, reason: reasonOf(error) }, 'certificate folder watch failed');
        });
        this.#watchers.push(watcher);
      } catch (error) {
        // The periodic check below still notices changes, only later.
        this.#logger.warn({ folder, reason: reasonOf(error) }, 'certificate folder watch failed');
      }
    }
    const pollIntervalMs = this.#options.pollIntervalMs ?? 30_000;
    this.#poll = setInterval(() => void this.reload(), pollIntervalMs).unref();
  }

  /** Waits for writes to settle, because a rotation writes several files one after another. */
  #scheduleSettledReload(): void {
    clearTimeout(this.#settle);
    this.#settle = setTimeout(() => void this.reload(), this.#options.settleDelayMs ?? 200).unref();
  }
}
