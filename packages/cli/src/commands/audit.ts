import pg from 'pg';

import { verifyAuditChain } from '../audit/verify-audit-chain.js';

/**
 * `palisade audit verify`: checks the whole audit chain of DATABASE_URL.
 * Returns 0 when it is intact and 1 at the first changed, removed or
 * reordered event, which it names.
 */
export async function runAuditVerify(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const result = await verifyAuditChain(client);
    if (result.intact) {
      process.stdout.write(
        `audit chain intact: ${result.events} events, last event ${result.lastSeq}\n`,
      );
      return 0;
    }
    process.stdout.write(
      `audit chain broken after ${result.events} intact events: ${result.problem.message}\n`,
    );
    return 1;
  } finally {
    await client.end();
  }
}
