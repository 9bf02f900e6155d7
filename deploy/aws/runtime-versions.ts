import { AuroraPostgresEngineVersion } from 'aws-cdk-lib/aws-rds';

/**
 * Versions of the runtimes that production runs. The development container, the CI service
 * containers and the Dockerfiles use the same ones; a test compares them.
 */
export const runtimeVersions = {
  /** Node.js major version of the distroless runtime images. */
  node: '20',
  /** Aurora PostgreSQL engine version. */
  postgres: '16.6',
  /** ElastiCache for Redis engine version. */
  redis: '7.1',
} as const;

/** The Aurora engine version matching {@link runtimeVersions}. */
export const auroraPostgresVersion = AuroraPostgresEngineVersion.VER_16_6;
