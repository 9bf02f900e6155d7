import { forbiddenWebVariables, loadWebConfig, webConfigSchema } from '@palisade/web';
import { gatekeeperConfigSchema, loadGatekeeperConfig } from '@palisade/gatekeeper';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  allObjects,
  objectNamed,
  objectsOfKind,
  podTemplates,
  synthesiseAll,
  syncWaveOf,
  type KubernetesFixture,
  type Manifest,
} from '../testing/kubernetes-fixture.js';
import { CPU_TARGET_PERCENT, IN_FLIGHT_METRIC } from './autoscaling.js';
import { PROMOTION_ANALYSIS, SCALE_DOWN_DELAY_SECONDS } from './blue-green.js';
import { environmentNames, kubernetesEnvironments } from './environments.js';
// The packages export no config schema, so the test reads the services' own modules.
import { loadEdgeConfig } from '../../services/edge/src/edge-config.js';
import { inventoryConfigSchema, loadInventoryConfig } from '../../services/inventory/src/config.js';
import { validateManifest } from './manifest-schemas.js';
import {
  DATABASE_CA_MOUNT_PATH,
  DATABASE_PASSWORD_MOUNT_PATH,
  GATEKEEPER_DATABASE_ROLE,
  GATEKEEPER_HEALTH_PORT,
  INVENTORY_DATABASE_ROLE,
  METRICS_PORT,
  redisWorkloads,
} from './services.js';
import { DATABASE_CA_SECRET, INVENTORY_DATABASE_SECRET } from './vault-secrets.js';
import { PLANNED_ANNOTATION, SERVICE_ACCOUNT_LABEL } from './workload-pod.js';

/** Fields of an Istio AuthorizationPolicy operation that need HTTP (layer 7) to match. */
const LAYER_7_OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
];
const workloadNames = ['gatekeeper', 'inventory', 'web', 'edge'];
/** Workloads that start the shared metrics listener: all of them. */
const metricsWorkloadNames = workloadNames;

let fixture: KubernetesFixture;

beforeAll(async () => {
  fixture = await synthesiseAll();
});

function containersOf(template: Manifest): Manifest[] {
  return [...(template.spec.initContainers ?? []), ...template.spec.containers] as Manifest[];
}

function workload(environment: (typeof environmentNames)[number], name: string): Manifest {
  const objects = allObjects(fixture.manifests[environment]);
  const found = objects.find(
    (object) =>
      (object.kind === 'Deployment' || object.kind === 'Rollout') && object.metadata.name === name,
  );
  if (found === undefined) throw new Error(`No Deployment or Rollout named ${name}`);
  return found;
}

/** Returns the variables of a workload's container that have a literal value. */
function plainEnvOf(
  environment: (typeof environmentNames)[number],
  name: string,
): Record<string, string> {
  const env = workload(environment, name).spec.template.spec.containers[0].env as Manifest[];
  return Object.fromEntries(
    env
      .filter((variable) => variable.value !== undefined)
      .map((variable) => [variable.name as string, variable.value as string]),
  );
}

describe.each(environmentNames)('%s manifests', (environment) => {
  const manifests = () => fixture.manifests[environment];

  it('validate against their schemas', () => {
    const objects = allObjects(manifests());
    expect(objects.length).toBeGreaterThan(30);
    for (const object of objects) {
      expect(
        () => validateManifest(object),
        `${object.kind}/${object.metadata.name}`,
      ).not.toThrow();
    }
  });

  it('run every container as non-root with a read-only root', () => {
    for (const { owner, template } of podTemplates(manifests())) {
      const pod = template.spec.securityContext;
      expect(pod.runAsNonRoot, owner).toBe(true);
      expect(pod.runAsUser, owner).toBeGreaterThan(0);
      expect(pod.seccompProfile, owner).toEqual({ type: 'RuntimeDefault' });
      for (const container of containersOf(template)) {
        const context = container.securityContext;
        const name = `${owner} ${container.name}`;
        expect(context.runAsNonRoot, name).toBe(true);
        expect(context.readOnlyRootFilesystem, name).toBe(true);
        expect(context.allowPrivilegeEscalation, name).toBe(false);
        expect(context.privileged, name).toBe(false);
        expect(context.capabilities, name).toEqual({ drop: ['ALL'] });
        expect(context.seccompProfile, name).toEqual({ type: 'RuntimeDefault' });
      }
    }
  });

  it('set resource requests and limits on every container', () => {
    for (const { owner, template } of podTemplates(manifests())) {
      for (const container of containersOf(template)) {
        const { requests, limits } = container.resources;
        expect(requests.cpu, owner).toMatch(/^\d+m$/);
        expect(requests.memory, owner).toMatch(/^\d+Mi$/);
        expect(limits.cpu, owner).toMatch(/^\d+m$/);
        expect(limits.memory, owner).toMatch(/^\d+Mi$/);
      }
    }
  });

  it('pin every image to a commit SHA or digest', () => {
    const templates = podTemplates(manifests());
    expect(templates).toHaveLength(5);
    for (const { owner, template } of templates) {
      for (const container of containersOf(template)) {
        const image = container.image as string;
        expect(image, owner).toMatch(/^[\w.-]+\/[\w./-]+(:[0-9a-f]{40}|@sha256:[0-9a-f]{64})$/);
        expect(image, owner).not.toMatch(/:latest$/);
      }
    }
  });

  it('probe the health endpoints', () => {
    const probes = (name: string) => {
      const container = workload(environment, name).spec.template.spec.containers[0] as Manifest;
      return { liveness: container.livenessProbe, readiness: container.readinessProbe };
    };

    const gatekeeper = probes('gatekeeper');
    expect(gatekeeper.liveness.grpc).toEqual({ port: GATEKEEPER_HEALTH_PORT });
    expect(gatekeeper.readiness.grpc).toEqual({ port: GATEKEEPER_HEALTH_PORT });
    expect(GATEKEEPER_HEALTH_PORT).not.toBe(50051);
    const gatekeeperEnv = plainEnvOf(environment, 'gatekeeper');
    expect(gatekeeperEnv.GATEKEEPER_HEALTH_PORT).toBe(String(GATEKEEPER_HEALTH_PORT));
    expect(loadGatekeeperConfig(gatekeeperEnv).GATEKEEPER_HEALTH_PORT).toBe(GATEKEEPER_HEALTH_PORT);

    const web = probes('web');
    expect(web.liveness.httpGet).toEqual({ path: '/api/healthz', port: 3000 });
    expect(web.readiness.httpGet).toEqual({ path: '/api/readyz', port: 3000 });

    // The inventory's only HTTP server is the metrics listener.
    expect(probes('inventory').liveness.httpGet).toEqual({ path: '/healthz', port: METRICS_PORT });
    expect(probes('inventory').readiness.httpGet).toEqual({ path: '/readyz', port: METRICS_PORT });
    expect(probes('edge').liveness.httpGet).toEqual({ path: '/healthz', port: 8080 });
    expect(probes('edge').readiness.httpGet).toEqual({ path: '/healthz', port: 8080 });
  });

  it('serve metrics on the declared port', () => {
    for (const name of metricsWorkloadNames) {
      const pod = workload(environment, name).spec.template;
      const ports = pod.spec.containers[0].ports as Manifest[];
      const metricsPort = ports.find((port) => port.name === 'http-metrics');
      const env = plainEnvOf(environment, name);

      expect(metricsPort?.containerPort, name).toBe(METRICS_PORT);
      expect(env.METRICS_PORT, name).toBe(String(metricsPort?.containerPort));
      expect(env.METRICS_HOST, name).toBe('0.0.0.0');
      expect(pod.metadata.annotations['prometheus.io/port'], name).toBe(String(METRICS_PORT));
      expect(pod.metadata.annotations['prometheus.io/path'], name).toBe('/metrics');
    }
  });

  it('read the metrics port through the service loaders', () => {
    const gatekeeper = loadGatekeeperConfig(plainEnvOf(environment, 'gatekeeper'));
    expect(gatekeeper.METRICS_PORT).toBe(METRICS_PORT);
    expect(gatekeeper.METRICS_HOST).toBe('0.0.0.0');

    const web = loadWebConfig(plainEnvOf(environment, 'web'));
    expect(web.METRICS_PORT).toBe(METRICS_PORT);
    expect(web.METRICS_HOST).toBe('0.0.0.0');

    const inventory = loadInventoryConfig(plainEnvOf(environment, 'inventory'));
    expect(inventory.METRICS_PORT).toBe(METRICS_PORT);
    expect(inventory.METRICS_HOST).toBe('0.0.0.0');

    const edge = loadEdgeConfig(plainEnvOf(environment, 'edge'));
    expect(edge.METRICS_PORT).toBe(METRICS_PORT);
    expect(edge.METRICS_HOST).toBe('0.0.0.0');
  });

  it('give the inventory no Service or ingress', () => {
    const ports = workload(environment, 'inventory').spec.template.spec.containers[0]
      .ports as Manifest[];
    expect(ports.map((port) => port.name)).toEqual(['http-metrics']);

    const services = objectsOfKind(manifests(), 'Service').map((service) => service.metadata.name);
    expect(services).not.toContain('inventory');
    expect(services.sort()).toEqual(['edge', 'edge-preview', 'gatekeeper', 'web', 'web-preview']);

    const networkPolicy = objectNamed(manifests(), 'NetworkPolicy', 'inventory');
    expect(networkPolicy.spec.policyTypes).toContain('Ingress');
    expect(networkPolicy.spec.ingress).toEqual([]);

    const meshPolicies = objectsOfKind(manifests(), 'AuthorizationPolicy').filter(
      (policy) => policy.spec.selector?.matchLabels?.['app.kubernetes.io/name'] === 'inventory',
    );
    expect(meshPolicies).toHaveLength(0);
  });

  it('mark no service as planned, since each has an image', () => {
    for (const name of ['gatekeeper', 'web', 'inventory', 'edge']) {
      expect(workload(environment, name).metadata.annotations[PLANNED_ANNOTATION]).toBeUndefined();
    }
  });

  it('give each workload its own ServiceAccount', () => {
    const accounts = objectsOfKind(manifests(), 'ServiceAccount');
    for (const name of workloadNames) {
      const pod = workload(environment, name).spec.template;
      expect(pod.spec.serviceAccountName).toBe(name);
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      expect(pod.metadata.labels[SERVICE_ACCOUNT_LABEL]).toBe(name);
      const account = accounts.find((candidate) => candidate.metadata.name === name);
      expect(account?.automountServiceAccountToken, name).toBe(false);
    }
  });

  it('set only variables the services read', () => {
    const read = {
      gatekeeper: Object.keys(gatekeeperConfigSchema.properties),
      web: Object.keys(webConfigSchema.properties),
      inventory: Object.keys(inventoryConfigSchema.properties),
    };
    for (const [name, known] of Object.entries(read)) {
      const env = workload(environment, name).spec.template.spec.containers[0].env as Manifest[];
      for (const variable of env)
        expect(known, `${name} ${variable.name}`).toContain(variable.name);
    }
  });

  it('set every variable the services require', () => {
    // Variables that the schema requires and that have no default.
    const requiredOf = (schema: { required?: readonly string[]; properties: object }) => {
      const properties = schema.properties as Record<string, { default?: unknown } | undefined>;
      return (schema.required ?? []).filter((name) => properties[name]?.default === undefined);
    };
    const required = {
      gatekeeper: requiredOf(gatekeeperConfigSchema),
      web: requiredOf(webConfigSchema),
      inventory: requiredOf(inventoryConfigSchema),
    };
    expect(required.inventory).toContain('DATABASE_URL');
    for (const [name, names] of Object.entries(required)) {
      const env = workload(environment, name).spec.template.spec.containers[0].env as Manifest[];
      const set = env.map((variable) => variable.name as string);
      for (const variable of names) expect(set, `${name} ${variable}`).toContain(variable);
    }
  });

  it('give web no database variable', () => {
    const env = workload(environment, 'web').spec.template.spec.containers[0].env as Manifest[];
    for (const variable of env) {
      for (const rule of forbiddenWebVariables) {
        expect(rule.pattern.test(variable.name as string), variable.name as string).toBe(false);
      }
    }
  });

  it('enforce STRICT mutual TLS in the namespace', () => {
    const [peerAuthentication, ...others] = objectsOfKind(manifests(), 'PeerAuthentication');
    expect(others).toHaveLength(0);
    expect(peerAuthentication?.metadata.namespace).toBe('palisade');
    expect(peerAuthentication?.spec.selector).toBeUndefined();
    expect(peerAuthentication?.spec.mtls).toEqual({ mode: 'STRICT' });
  });

  it('deny by default in the mesh', () => {
    const allowNothing = objectNamed(manifests(), 'AuthorizationPolicy', 'allow-nothing');
    expect(allowNothing.spec).toEqual({});
    for (const policy of objectsOfKind(manifests(), 'AuthorizationPolicy')) {
      expect(policy.spec.action ?? 'ALLOW', policy.metadata.name).toBe('ALLOW');
    }
  });

  it('let the mesh and the gatekeeper agree on callers', () => {
    const mesh = objectNamed(manifests(), 'AuthorizationPolicy', 'gatekeeper-callers');
    const meshRules = mesh.spec.rules as Manifest[];
    expect(meshRules).toHaveLength(1);
    expect(meshRules[0]?.from).toHaveLength(1);

    const policyCallers = new Set(
      fixture.policy.rules.flatMap((rule) =>
        rule.allow.map((id) => id.replace(/^spiffe:\/\/[^/]+\//, 'cluster.local/')),
      ),
    );
    expect(policyCallers.size).toBeGreaterThan(0);
    expect(meshRules[0]?.from[0].source.principals).toEqual([...policyCallers].sort());
  });

  it('let the web principal call the gatekeeper', () => {
    const mesh = objectNamed(manifests(), 'AuthorizationPolicy', 'gatekeeper-callers');
    const principals = mesh.spec.rules[0].from[0].source.principals as string[];
    expect(principals).toContain('cluster.local/ns/palisade/sa/web');
    expect(principals).not.toContain('cluster.local/ns/palisade/sa/edge');
    expect(principals).not.toContain('cluster.local/ns/palisade/sa/inventory');
  });

  it('let only web call business methods', () => {
    // The gatekeeper enforces this per method in process, because the mesh checks only the caller.
    const business = fixture.policy.rules.filter(
      (rule) => !rule.method.startsWith('/grpc.health.v1.Health/'),
    );
    expect(business.length).toBeGreaterThan(0);
    const callers = new Set(business.flatMap((rule) => rule.allow));
    expect([...callers]).toEqual(['spiffe://palisade.local/ns/palisade/sa/web']);
  });

  it('open only the gatekeeper port at layer 4', () => {
    const mesh = objectNamed(manifests(), 'AuthorizationPolicy', 'gatekeeper-callers');
    const rule = mesh.spec.rules[0] as Manifest;
    expect(rule.to).toHaveLength(1);
    expect(rule.to[0].operation.ports).toEqual(['50051']);
    for (const field of LAYER_7_OPERATION_FIELDS) {
      expect(rule.to[0].operation[field], field).toBeUndefined();
    }
    expect(rule.when).toBeUndefined();
  });

  it('forward the gatekeeper port as opaque TCP', () => {
    const service = objectNamed(manifests(), 'Service', 'gatekeeper');
    const ports = service.spec.ports as Manifest[];
    expect(ports).toHaveLength(1);
    expect(ports[0]?.name).toMatch(/^tcp-/);
    expect(ports[0]?.appProtocol).toBe('tcp');
    const container = workload(environment, 'gatekeeper').spec.template.spec.containers[0];
    const target = (container.ports as Manifest[]).find(
      (port) => port.name === ports[0]?.targetPort,
    );
    expect(target?.containerPort).toBe(50051);
  });

  it('log the gatekeeper in to the database with IAM', () => {
    const env = plainEnvOf(environment, 'gatekeeper');
    // The image sets NODE_ENV=production, which rejects static database credentials.
    const config = loadGatekeeperConfig({ ...env, NODE_ENV: 'production' });
    const url = new URL(config.DATABASE_URL);
    const { database } = kubernetesEnvironments[environment];

    expect(config.DATABASE_CREDENTIALS).toBe('rds-iam');
    expect(url.username).toBe(GATEKEEPER_DATABASE_ROLE);
    expect(url.password).toBe('');
    expect(url.hostname).toBe(database.host);
    expect(config.AWS_REGION).toBe(database.region);
    expect(config.DATABASE_TLS_CA_FILE).toBe(`${DATABASE_CA_MOUNT_PATH}/ca.crt`);
  });

  it.each(['gatekeeper', 'inventory'])('mount the database CA bundle from Vault on %s', (name) => {
    const pod = workload(environment, name).spec.template.spec;
    const volume = (pod.volumes as Manifest[]).find(
      (candidate) => candidate.secret?.secretName === DATABASE_CA_SECRET,
    );
    expect(volume).toBeDefined();
    const mount = (pod.containers[0].volumeMounts as Manifest[]).find(
      (candidate) => candidate.name === volume?.name,
    );
    expect(mount?.mountPath).toBe(DATABASE_CA_MOUNT_PATH);
    expect(mount?.readOnly).toBe(true);
    expect(plainEnvOf(environment, name).DATABASE_TLS_CA_FILE).toBe(
      `${DATABASE_CA_MOUNT_PATH}/ca.crt`,
    );
    const secret = objectNamed(manifests(), 'ExternalSecret', DATABASE_CA_SECRET);
    expect(secret.spec.data.map((entry: Manifest) => entry.secretKey)).toEqual(['ca.crt']);
  });

  it('give the inventory its password file from Vault', () => {
    const env = plainEnvOf(environment, 'inventory');
    const url = new URL(env.DATABASE_URL ?? '');
    expect(url.username).toBe(INVENTORY_DATABASE_ROLE);
    expect(url.password).toBe('');
    expect(url.hostname).toBe(kubernetesEnvironments[environment].database.host);
    expect(env.DATABASE_PASSWORD_FILE).toBe(`${DATABASE_PASSWORD_MOUNT_PATH}/password`);

    const pod = workload(environment, 'inventory').spec.template.spec;
    const volume = (pod.volumes as Manifest[]).find(
      (candidate) => candidate.secret?.secretName === INVENTORY_DATABASE_SECRET,
    );
    expect(volume).toBeDefined();
    const mount = (pod.containers[0].volumeMounts as Manifest[]).find(
      (candidate) => candidate.name === volume?.name,
    );
    expect(mount?.mountPath).toBe(DATABASE_PASSWORD_MOUNT_PATH);
    expect(mount?.readOnly).toBe(true);

    const secret = objectNamed(manifests(), 'ExternalSecret', INVENTORY_DATABASE_SECRET);
    expect(secret.spec.data).toEqual([
      {
        secretKey: 'password',
        remoteRef: { key: `palisade/${environment}/database/inventory`, property: 'password' },
      },
    ]);
  });

  it('connect each store to Redis with its own user', () => {
    const { redis } = kubernetesEnvironments[environment];
    const userIds = new Set<string>();
    for (const name of redisWorkloads) {
      const env = plainEnvOf(environment, name);
      const url = new URL(env.REDIS_URL ?? '');
      expect(env.REDIS_URL, name).toMatch(/^rediss:\/\//);
      expect(url.hostname, name).toBe(redis.host);
      expect(url.port, name).toBe(String(redis.port));
      expect(url.username, name).toBe('');
      expect(url.password, name).toBe('');
      expect(env.REDIS_AUTH, name).toBe('elasticache-iam');
      expect(env.REDIS_IAM_USER_ID, name).toBe(`palisade-${environment}-${name}`);
      expect(env.REDIS_IAM_CACHE_NAME, name).toBe(redis.cacheName);
      expect(env.REDIS_IAM_SERVERLESS, name).toBe('false');
      expect(env.REDIS_KEY_PREFIX, name).toBe(redis.keyPrefix);
      expect(env.AWS_REGION, name).toBe(redis.region);
      userIds.add(env.REDIS_IAM_USER_ID ?? '');
    }
    expect(userIds.size).toBe(redisWorkloads.length);
    expect(plainEnvOf(environment, 'edge').REDIS_URL).toBeUndefined();
  });

  it('load the Redis settings in production mode', () => {
    const { redis } = kubernetesEnvironments[environment];
    // The images set NODE_ENV=production, which requires a rediss:// REDIS_URL.
    const configs = {
      gatekeeper: loadGatekeeperConfig({
        ...plainEnvOf(environment, 'gatekeeper'),
        NODE_ENV: 'production',
      }),
      web: loadWebConfig({ ...plainEnvOf(environment, 'web'), NODE_ENV: 'production' }),
      inventory: loadInventoryConfig({
        ...plainEnvOf(environment, 'inventory'),
        NODE_ENV: 'production',
      }),
    };
    for (const [name, config] of Object.entries(configs)) {
      expect(config.REDIS_URL, name).toBe(`rediss://${redis.host}:${redis.port}`);
      expect(config.REDIS_AUTH, name).toBe('elasticache-iam');
      expect(config.REDIS_IAM_USER_ID, name).toBe(`palisade-${environment}-${name}`);
      expect(config.REDIS_IAM_CACHE_NAME, name).toBe(redis.cacheName);
      expect(config.REDIS_IAM_SERVERLESS, name).toBe(false);
      expect(config.REDIS_TLS_CA_FILE, name).toBeUndefined();
      expect(config.REDIS_KEY_PREFIX, name).toBe(redis.keyPrefix);
      expect(config.AWS_REGION, name).toBe(redis.region);
    }
  });

  it('use a key prefix per environment', () => {
    const prefixes = environmentNames.map((name) => kubernetesEnvironments[name].redis.keyPrefix);
    expect(new Set(prefixes).size).toBe(environmentNames.length);
    expect(kubernetesEnvironments[environment].redis.keyPrefix).toBe(`palisade-${environment}:`);
  });

  it('point the gatekeeper and the inventory at the same Kafka topics', () => {
    const gatekeeper = loadGatekeeperConfig({
      ...plainEnvOf(environment, 'gatekeeper'),
      NODE_ENV: 'production',
    });
    const inventory = loadInventoryConfig({
      ...plainEnvOf(environment, 'inventory'),
      NODE_ENV: 'production',
    });

    expect(gatekeeper.KAFKA_BROKERS).toBe(
      kubernetesEnvironments[environment].kafka.bootstrapServers,
    );
    expect(inventory.KAFKA_BROKERS).toBe(gatekeeper.KAFKA_BROKERS);
    expect(inventory.SAGA_TOPIC_PREFIX).toBe(gatekeeper.SAGA_TOPIC_PREFIX);
  });

  it('trust only the proxies in front of web', () => {
    const env = plainEnvOf(environment, 'web');
    const trusted = kubernetesEnvironments[environment].publicTierTrustedProxies;
    expect(trusted.length).toBeGreaterThan(0);
    expect(env.WEB_TRUSTED_PROXIES).toBe(trusted.join(','));
    expect(trusted).toContain('127.0.0.6/32');
    for (const entry of trusted) {
      const prefixLength = Number(entry.split('/')[1] ?? '32');
      expect(prefixLength, entry).toBeGreaterThanOrEqual(16);
    }
  });

  it('trust the same proxies in front of the edge', () => {
    const env = plainEnvOf(environment, 'edge');
    const trusted = kubernetesEnvironments[environment].publicTierTrustedProxies;

    expect(trusted.length).toBeGreaterThan(0);
    expect(env.EDGE_TRUSTED_PROXIES).toBe(trusted.join(','));
    expect(env.EDGE_TRUSTED_PROXIES).toBe(plainEnvOf(environment, 'web').WEB_TRUSTED_PROXIES);
    expect(loadEdgeConfig(env).trustedProxies).toEqual(trusted);
  });

  it('mirror the mesh policy in NetworkPolicies', () => {
    const deny = objectNamed(manifests(), 'NetworkPolicy', 'default-deny');
    expect(deny.spec.podSelector).toEqual({ matchLabels: {} });
    expect(deny.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(deny.spec.ingress).toEqual([]);
    expect(deny.spec.egress).toEqual([]);

    const gatekeeper = objectNamed(manifests(), 'NetworkPolicy', 'gatekeeper');
    const ingress = gatekeeper.spec.ingress as Manifest[];
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.ports).toEqual([{ protocol: 'TCP', port: 50051 }]);
    const allowedAccounts = ingress[0]?.from[0].podSelector.matchExpressions[0];
    expect(allowedAccounts.key).toBe(SERVICE_ACCOUNT_LABEL);
    const policyAccounts = new Set(
      fixture.policy.rules.flatMap((rule) => rule.allow.map((id) => id.split('/sa/')[1])),
    );
    expect(allowedAccounts.values).toEqual([...policyAccounts].sort());
  });

  it('confine database egress to the isolated subnets', () => {
    const cidrs = kubernetesEnvironments[environment].database.cidrs;
    for (const name of ['gatekeeper', 'inventory', 'migration']) {
      const egress = objectNamed(manifests(), 'NetworkPolicy', name).spec.egress as Manifest[];
      const postgres = egress.filter((rule) => rule.ports[0].port === 5432);
      expect(postgres, name).toHaveLength(1);
      expect(
        postgres[0]?.to.map((peer: Manifest) => peer.ipBlock.cidr),
        name,
      ).toEqual(cidrs);
    }
    const web = objectNamed(manifests(), 'NetworkPolicy', 'web').spec.egress as Manifest[];
    expect(web.some((rule) => rule.ports[0].port === 5432)).toBe(false);
  });

  it('open Redis and Pod Identity egress to stores only', () => {
    const { redis } = kubernetesEnvironments[environment];
    const egressOf = (name: string) =>
      objectNamed(manifests(), 'NetworkPolicy', name).spec.egress as Manifest[];
    for (const name of redisWorkloads) {
      const cache = egressOf(name).filter((rule) => rule.ports[0].port === redis.port);
      expect(cache, name).toHaveLength(1);
      expect(
        cache[0]?.to.map((peer: Manifest) => peer.ipBlock.cidr),
        name,
      ).toEqual(redis.cidrs);
      const agent = egressOf(name).filter((rule) =>
        rule.to.some((peer: Manifest) => peer.ipBlock?.cidr === '169.254.170.23/32'),
      );
      expect(agent, name).toHaveLength(1);
      expect(agent[0]?.ports, name).toEqual([{ protocol: 'TCP', port: 80 }]);
    }
    for (const name of ['edge', 'migration']) {
      expect(
        egressOf(name).some((rule) => rule.ports[0].port === redis.port),
        name,
      ).toBe(false);
    }
  });

  it('order migration, gatekeeper and web', () => {
    const job = objectNamed(manifests(), 'Job', 'palisade-migrate');
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
    expect(job.spec.template.spec.containers[0].args).toEqual(['migrate']);

    const migrationWave = syncWaveOf(job) as number;
    const gatekeeperWave = syncWaveOf(workload(environment, 'gatekeeper')) as number;
    const webWave = syncWaveOf(workload(environment, 'web')) as number;
    expect(migrationWave).toBeLessThan(gatekeeperWave);
    expect(gatekeeperWave).toBeLessThan(webWave);
  });

  it('order the ArgoCD Applications', () => {
    const wave = (part: string) =>
      syncWaveOf(objectNamed(manifests(), 'Application', `palisade-${environment}-${part}`));
    expect(wave('platform')).toBeLessThan(wave('data') as number);
    expect(wave('data')).toBeLessThan(wave('public') as number);

    const data = objectNamed(manifests(), 'Application', `palisade-${environment}-data`);
    expect(data.spec.source.path).toBe(`${environment}/data`);
    expect(data.spec.destination.namespace).toBe('palisade');
    expect(data.spec.project).toBe(`palisade-${environment}`);
    expect(manifests().data.some((object) => object.kind === 'Job')).toBe(true);
  });

  it('deploy the public tier blue/green', () => {
    for (const name of ['web', 'edge']) {
      const rollout = objectNamed(manifests(), 'Rollout', name);
      const blueGreen = rollout.spec.strategy.blueGreen;
      expect(blueGreen.activeService).toBe(name);
      expect(blueGreen.previewService).toBe(`${name}-preview`);
      expect(blueGreen.scaleDownDelaySeconds).toBe(SCALE_DOWN_DELAY_SECONDS);
      expect(SCALE_DOWN_DELAY_SECONDS).toBe(1800);
      expect(blueGreen.prePromotionAnalysis.templates).toEqual([
        { templateName: PROMOTION_ANALYSIS },
      ]);
      objectNamed(manifests(), 'Service', `${name}-preview`);
    }
    expect(objectsOfKind(manifests(), 'Rollout')).toHaveLength(2);

    const analysis = objectNamed(manifests(), 'AnalysisTemplate', PROMOTION_ANALYSIS);
    const metrics = analysis.spec.metrics as Manifest[];
    expect(metrics.map((metric) => metric.name)).toEqual(['health', 'error-rate']);
    expect(metrics[1]?.provider.prometheus.query).toContain('http_response_status_code=~"5.."');
  });

  it('guard production with disruption budgets and zone spread', () => {
    const budgets = objectsOfKind(manifests(), 'PodDisruptionBudget');
    for (const name of workloadNames) {
      const spread = workload(environment, name).spec.template.spec.topologySpreadConstraints as
        Manifest[] | undefined;
      if (environment === 'prod') {
        expect(
          budgets.find((budget) => budget.metadata.name === name)?.spec.maxUnavailable,
          name,
        ).toBe(1);
        expect(spread?.[0]?.topologyKey, name).toBe('topology.kubernetes.io/zone');
        expect(spread?.[0]?.whenUnsatisfiable, name).toBe('DoNotSchedule');
      } else {
        expect(spread, name).toBeUndefined();
      }
    }
    if (environment === 'dev') expect(budgets).toHaveLength(0);
  });

  it('never commit Secret data', () => {
    expect(objectsOfKind(manifests(), 'Secret')).toHaveLength(0);
    const externalSecrets = objectsOfKind(manifests(), 'ExternalSecret');
    const managed = new Set(externalSecrets.map((secret) => secret.spec.target.name as string));
    for (const secret of externalSecrets) {
      expect(secret.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'vault' });
    }
    const store = objectNamed(manifests(), 'SecretStore', 'vault');
    expect(store.spec.provider.vault.auth.kubernetes.role).toBe(`palisade-${environment}`);

    for (const { owner, template } of podTemplates(manifests())) {
      for (const volume of (template.spec.volumes ?? []) as Manifest[]) {
        if (volume.secret !== undefined) expect(managed, owner).toContain(volume.secret.secretName);
      }
      for (const container of containersOf(template)) {
        for (const variable of (container.env ?? []) as Manifest[]) {
          const reference = variable.valueFrom?.secretKeyRef?.name as string | undefined;
          if (reference !== undefined) expect(managed, owner).toContain(reference);
        }
      }
    }
  });
});

describe('dev scaling', () => {
  const manifests = () => fixture.manifests.dev;

  it('scales Kafka consumers to zero on lag', () => {
    const scaled = objectsOfKind(manifests(), 'ScaledObject');
    expect(scaled.map((object) => object.metadata.name)).toEqual(['inventory']);
    for (const object of scaled) {
      expect(object.spec.minReplicaCount).toBe(0);
      expect(object.spec.maxReplicaCount).toBe(1);
      expect(object.spec.triggers).toHaveLength(1);
      expect(object.spec.triggers[0].type).toBe('kafka');
      expect(object.spec.triggers[0].metadata.consumerGroup).toMatch(/^palisade-/);
    }
  });

  it('runs one replica of the rest', () => {
    for (const name of ['gatekeeper', 'web', 'edge']) {
      expect(workload('dev', name).spec.replicas, name).toBe(1);
    }
    expect(workload('dev', 'inventory').spec.replicas).toBeUndefined();
  });
});

describe('prod scaling', () => {
  const manifests = () => fixture.manifests.prod;

  it('scales every tier before CPU reaches 80%', () => {
    const scaled = objectsOfKind(manifests(), 'ScaledObject');
    expect(scaled.map((object) => object.metadata.name).sort()).toEqual([...workloadNames].sort());
    for (const object of scaled) {
      const cpu = (object.spec.triggers as Manifest[]).find((trigger) => trigger.type === 'cpu');
      expect(cpu?.metricType, object.metadata.name).toBe('Utilization');
      expect(Number(cpu?.metadata.value), object.metadata.name).toBeLessThan(80);
      expect(object.spec.minReplicaCount, object.metadata.name).toBeGreaterThanOrEqual(3);
      expect(workload('prod', object.metadata.name as string).spec.replicas).toBeUndefined();
    }
    expect(CPU_TARGET_PERCENT).toBeLessThan(80);
  });

  it('scales the gatekeeper on in-flight calls', () => {
    const gatekeeper = objectNamed(manifests(), 'ScaledObject', 'gatekeeper');
    const prometheus = (gatekeeper.spec.triggers as Manifest[]).find(
      (trigger) => trigger.type === 'prometheus',
    );
    expect(prometheus?.metadata.query).toContain(IN_FLIGHT_METRIC);
    expect(IN_FLIGHT_METRIC).toBe('palisade_gatekeeper_grpc_in_flight_calls');
    expect(gatekeeper.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'gatekeeper',
    });
    const web = objectNamed(manifests(), 'ScaledObject', 'web');
    expect(web.spec.scaleTargetRef.kind).toBe('Rollout');
  });
});
