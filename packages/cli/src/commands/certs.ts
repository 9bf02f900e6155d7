import { join } from 'node:path';

import { ensureDevelopmentPki } from '@palisade/identity';

import { developmentWorkloads } from '../dev/service-environments.js';
import { developmentHome } from '../paths.js';

/** `palisade certs`: creates or renews the development CA and workload certificates. */
export async function runCerts(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const directory = join(developmentHome(env), 'pki');
  const pki = await ensureDevelopmentPki(directory, developmentWorkloads);

  const lines = [`CA           ${pki.caFile}`];
  for (const [name, files] of Object.entries(pki.workloads)) {
    lines.push(`${name.padEnd(12)} ${files.certFile}  ${files.spiffeId}`);
  }
  lines.push(
    pki.issued.length === 0 ? 'all certificates reused' : `issued: ${pki.issued.join(', ')}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
