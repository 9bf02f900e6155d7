import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/ExternalSecret';
import { SecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/SecretStore';
import { Construct } from 'constructs';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

import { addModel } from './api-model.js';
import type { KubernetesEnvironment } from './environments.js';
import type { ServiceDefinition } from './services.js';
import { syncWaveAnnotation, syncWaves } from './sync-waves.js';

/** SecretStore through which every ExternalSecret of the namespace reads Vault. */
export const SECRET_STORE = 'vault';
/** Secret holding the migration role's connection URL as `DATABASE_URL`. */
export const MIGRATION_DATABASE_SECRET = 'palisade-migrate-database';
/** Secret that contains the inventory role's database password as `password`. */
export const INVENTORY_DATABASE_SECRET = 'inventory-database';
/** Secret that contains the CA bundle of the database server certificate as `ca.crt`. */
export const DATABASE_CA_SECRET = 'database-ca';
/** ServiceAccount whose token logs the External Secrets Operator in to Vault. */
const VAULT_AUTH_ACCOUNT = 'vault-secrets-reader';

/** One Kubernetes Secret key and the Vault entry and property it comes from. */
interface SecretKey {
  readonly secretKey: string;
  readonly vaultKey: string;
  readonly property: string;
}

/** Inputs of {@link VaultSecrets}. */
export interface VaultSecretsProps {
  readonly environment: KubernetesEnvironment;
  readonly services: readonly ServiceDefinition[];
}

/**
 * Every secret the workloads read, as ExternalSecrets that the External Secrets Operator fills
 * from Vault: no Secret with literal data is ever committed or synthesised. Vault's Kubernetes
 * auth role limits the store to this environment's paths.
 */
export class VaultSecrets extends Construct {
  constructor(scope: Construct, id: string, props: VaultSecretsProps) {
    super(scope, id);
    const { environment, services } = props;
    const { namespace, vault } = environment;
    const annotations = syncWaveAnnotation(syncWaves.platform);
    const root = `palisade/${environment.name}`;

    addModel(
      this,
      'vault-auth-account',
      new ServiceAccount({
        metadata: { name: VAULT_AUTH_ACCOUNT, namespace, annotations },
        automountServiceAccountToken: false,
      }),
    );
    addModel(
      this,
      'store',
      new SecretStore({
        metadata: { name: SECRET_STORE, namespace, annotations },
        spec: {
          provider: {
            vault: {
              server: vault.server,
              path: 'secret',
              version: 'v2',
              auth: {
                kubernetes: {
                  mountPath: vault.mountPath,
                  role: vault.role,
                  serviceAccountRef: { name: VAULT_AUTH_ACCOUNT },
                },
              },
            },
          },
        },
      }),
    );

    for (const service of services) {
      if (service.tlsSecret === undefined) continue;
      const vaultKey = `${root}/workloads/${service.name}`;
      this.addExternalSecret(service.tlsSecret, namespace, 'kubernetes.io/tls', [
        { secretKey: 'tls.crt', vaultKey, property: 'certificate' },
        { secretKey: 'tls.key', vaultKey, property: 'private_key' },
        { secretKey: 'ca.crt', vaultKey, property: 'ca_bundle' },
      ]);
    }

    this.addExternalSecret(MIGRATION_DATABASE_SECRET, namespace, 'Opaque', [
      { secretKey: 'DATABASE_URL', vaultKey: `${root}/database/migrator`, property: 'url' },
    ]);
    this.addExternalSecret(INVENTORY_DATABASE_SECRET, namespace, 'Opaque', [
      { secretKey: 'password', vaultKey: `${root}/database/inventory`, property: 'password' },
    ]);
    // Not secret, but kept beside the credentials so that the CA rotation of RDS updates one place.
    this.addExternalSecret(DATABASE_CA_SECRET, namespace, 'Opaque', [
      { secretKey: 'ca.crt', vaultKey: `${root}/database/ca-bundle`, property: 'pem' },
    ]);
  }

  private addExternalSecret(
    name: string,
    namespace: string,
    type: string,
    keys: readonly SecretKey[],
  ): void {
    addModel(
      this,
      `external-secret-${name}`,
      new ExternalSecret({
        metadata: { name, namespace, annotations: syncWaveAnnotation(syncWaves.platform) },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { kind: 'SecretStore', name: SECRET_STORE },
          target: { name, creationPolicy: 'Owner', template: { type } },
          data: keys.map((key) => ({
            secretKey: key.secretKey,
            remoteRef: { key: key.vaultKey, property: key.property },
          })),
        },
      }),
    );
  }
}
