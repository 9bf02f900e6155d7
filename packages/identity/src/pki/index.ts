export {
  createCertificateAuthority,
  type CertificateAuthorityOptions,
} from './certificate-authority.js';
export {
  certificateAuthorityFiles,
  ensureDevelopmentPki,
  workloadFiles,
  type CertificateFiles,
  type DevelopmentPki,
  type DevelopmentWorkload,
} from './development-pki.js';
export type { PemPair } from './key-material.js';
export {
  issueWorkloadCertificate,
  type WorkloadCertificateOptions,
} from './workload-certificate.js';
