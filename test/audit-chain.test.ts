import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { migrate, verifyAuditChain, type ChainVerification } from '@palisade/cli';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  auditTestDatabaseKinds,
  collectingLogger,
  openAuditTestDatabase,
  type AuditTestDatabase,
} from './audit-support.js';
import { appendAuditEvent } from '../services/gatekeeper/src/audit/audit-log.js';
import { setAuditLogger } from '../services/gatekeeper/src/audit/audit-stream.js';
import { withTransaction } from '../services/gatekeeper/src/db/pool.js';

const cliEntryPoint = join(import.meta.dirname, '../packages/cli/dist/main.js');
const writers = 20;

function event(requestId: string) {
  return {
    actorId: randomUUID(),
    // Multi-byte characters check that both hashers frame fields by their UTF-8 length.
    actorSubject: `subject-${requestId}-ü✓`,
    action: 'profile.read' as const,
    targetType: 'profile' as const,
    targetId: randomUUID(),
    requestId,
  };
}

/** Runs `palisade audit verify` and returns its exit code and output. */
function runVerifyCommand(url: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliEntryPoint, 'audit', 'verify'],
      { env: { PATH: process.env['PATH'], DATABASE_URL: url } },
      (error, stdout, stderr) => {
        let code = 0;
        if (error !== null) code = typeof error.code === 'number' ? error.code : -1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe.each(auditTestDatabaseKinds)('audit chain on the %s database', (kind) => {
  let database: AuditTestDatabase;
  let pool: pg.Pool;

  /** Runs SQL as the table owner with the audit triggers off, as an intruder with owner rights would. */
  async function tamper(sql: string, values: unknown[] = []): Promise<void> {
    await withTransaction(pool, async (client) => {
      await client.query('ALTER TABLE audit.events DISABLE TRIGGER USER');
      await client.query(sql, values);
      await client.query('ALTER TABLE audit.events ENABLE TRIGGER USER');
    });
  }

  async function verify(): Promise<ChainVerification> {
    const client = await pool.connect();
    try {
      return await verifyAuditChain(client);
    } finally {
      client.release();
    }
  }

  async function eventAt(seq: number): Promise<Record<string, unknown>> {
    // occurred_at as text keeps its microseconds, which a Date would drop.
    const result = await pool.query(
      `SELECT seq, id, occurred_at::text AS occurred_at, actor_id, actor_subject, action,
              target_type, target_id, request_id, prev_hash, hash
         FROM audit.events WHERE seq = $1`,
      [seq],
    );
    const row = result.rows[0] as Record<string, unknown> | undefined;
    if (row === undefined) throw new Error(`no audit event ${seq}`);
    return row;
  }

  async function restore(row: Record<string, unknown>): Promise<void> {
    const columns = Object.keys(row);
    const placeholders = columns.map((_, index) => `$${index + 1}`).join(', ');
    await tamper(
      `INSERT INTO audit.events (${columns.join(', ')}) VALUES (${placeholders})`,
      columns.map((column) => row[column]),
    );
  }

  beforeAll(async () => {
    database = await openAuditTestDatabase(kind);
    await migrate({ databaseUrl: database.url });
    pool = new pg.Pool({ connectionString: database.url, max: database.poolMax });
  });

  afterAll(async () => {
    await pool?.end();
    await database?.stop();
  });

  it('stays one chain under concurrent writers', async () => {
    const started = Array.from({ length: writers }, (_, writer) =>
      withTransaction(pool, async (client) => {
        // Every transaction is open before any appends, so they contend for the chain head.
        await client.query('SELECT pg_sleep(0.02)');
        await appendAuditEvent(client, event(`writer-${writer}-a`));
        await appendAuditEvent(client, event(`writer-${writer}-b`));
      }),
    );
    const rolledBack = withTransaction(pool, async (client) => {
      await appendAuditEvent(client, event('rolled-back'));
      throw new Error('abandon this transaction');
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await Promise.all(started);

    expect(await rolledBack).toEqual(new Error('abandon this transaction'));

    const result = await verify();
    const seqs = await pool.query<{ position: string }>(
      'SELECT seq::text AS position FROM audit.events ORDER BY seq',
    );

    expect(result).toEqual({ intact: true, events: writers * 2, lastSeq: String(writers * 2) });
    expect(seqs.rows.map((row) => Number(row.position))).toEqual(
      Array.from({ length: writers * 2 }, (_, index) => index + 1),
    );
  });

  it('palisade audit verify passes when untouched', async () => {
    const { code, output } = await runVerifyCommand(database.url);

    expect(code).toBe(0);
    expect(output).toContain(`audit chain intact: ${writers * 2} events`);
  });

  it('names an edited event', async () => {
    const original = await eventAt(7);
    await tamper("UPDATE audit.events SET action = 'user.data.delete' WHERE seq = 7");

    const { code, output } = await runVerifyCommand(database.url);
    const result = await verify();
    await tamper('UPDATE audit.events SET action = $1 WHERE seq = 7', [original['action']]);

    expect(code).toBe(1);
    expect(output).toContain(`event 7 (${String(original['id'])}) was changed`);
    expect(result.intact ? undefined : result.problem.kind).toBe('changed');
    expect(result.intact ? undefined : result.problem.eventId).toBe(original['id']);
  });

  it('names an edited event whose hash was recomputed', async () => {
    const original = await eventAt(12);
    await tamper("UPDATE audit.events SET target_id = 'forged' WHERE seq = 12");
    await tamper(
      'UPDATE audit.events e SET hash = audit.event_hash(e.prev_hash, e) WHERE seq = 12',
    );

    const result = await verify();
    await tamper('UPDATE audit.events SET target_id = $1, hash = $2 WHERE seq = 12', [
      original['target_id'],
      original['hash'],
    ]);

    expect(result.intact ? undefined : result.problem.kind).toBe('changed');
    expect(result.intact ? undefined : result.problem.seq).toBe('12');
    expect(result.intact ? undefined : result.problem.eventId).toBe(original['id']);
  });

  it('names a removed event', async () => {
    const original = await eventAt(20);
    await tamper('DELETE FROM audit.events WHERE seq = 20');

    const { code, output } = await runVerifyCommand(database.url);
    const result = await verify();
    await restore(original);

    expect(code).toBe(1);
    expect(output).toContain('event 20 was removed');
    expect(result.intact ? undefined : result.problem.kind).toBe('removed');
    expect(result.intact ? undefined : result.problem.seq).toBe('20');
  });

  it('names the last event when removed', async () => {
    const last = await eventAt(writers * 2);
    await tamper('DELETE FROM audit.events WHERE seq = $1', [writers * 2]);

    const result = await verify();
    await restore(last);

    expect(result.intact ? undefined : result.problem.kind).toBe('removed');
    expect(result.intact ? undefined : result.problem.seq).toBe(String(writers * 2));
  });

  it('names swapped events', async () => {
    const fifth = await eventAt(5);
    const swap = async () => {
      await tamper('UPDATE audit.events SET seq = -5 WHERE seq = 5');
      await tamper('UPDATE audit.events SET seq = 5 WHERE seq = 6');
      await tamper('UPDATE audit.events SET seq = 6 WHERE seq = -5');
    };
    await swap();

    const { code, output } = await runVerifyCommand(database.url);
    const result = await verify();
    await swap();

    expect(code).toBe(1);
    expect(output).toContain('event 5');
    expect(output).toContain('is out of order');
    expect(result.intact ? undefined : result.problem.kind).toBe('reordered');
    expect(output).toContain(`chained after event 6 (${String(fifth['id'])})`);
  });

  it('names the first event removed behind renumbering', async () => {
    const first = await eventAt(1);
    await tamper('DELETE FROM audit.events WHERE seq = 1');
    await tamper('UPDATE audit.events SET seq = -seq');
    await tamper('UPDATE audit.events SET seq = -seq - 1');

    const result = await verify();
    await tamper('UPDATE audit.events SET seq = -seq');
    await tamper('UPDATE audit.events SET seq = -seq + 1');
    await restore(first);

    expect(result.intact ? undefined : result.problem.kind).toBe('removed');
    expect(result.intact ? undefined : result.problem.seq).toBe('1');
  });

  it('names a middle removal behind renumbering', async () => {
    const removed = await eventAt(9);
    const next = await eventAt(10);
    await tamper('DELETE FROM audit.events WHERE seq = 9');
    await tamper('UPDATE audit.events SET seq = -seq WHERE seq > 9');
    await tamper('UPDATE audit.events SET seq = -seq - 1 WHERE seq < 0');

    const { code, output } = await runVerifyCommand(database.url);
    const result = await verify();
    await tamper('UPDATE audit.events SET seq = -seq WHERE seq >= 9');
    await tamper('UPDATE audit.events SET seq = -seq + 1 WHERE seq < 0');
    await restore(removed);

    expect(code).toBe(1);
    expect(output).toContain('after event 8');
    expect(output).toContain('were removed and the later events renumbered');
    expect(result.intact ? undefined : result.problem.kind).toBe('removed');
    expect(result.intact ? undefined : result.problem.seq).toBe('9');
    expect(result.intact ? undefined : result.problem.eventId).toBe(next['id']);
  });

  it('verifies again once restored', async () => {
    expect(await verify()).toEqual({
      intact: true,
      events: writers * 2,
      lastSeq: String(writers * 2),
    });
  });

  it('rejects moving the chain head directly', async () => {
    await expect(pool.query('UPDATE audit.chain_head SET last_seq = 1')).rejects.toThrow(
      'UPDATE on audit.chain_head is not allowed',
    );
    await expect(pool.query('DELETE FROM audit.chain_head')).rejects.toThrow(
      'DELETE on audit.chain_head is not allowed',
    );
    await expect(
      pool.query("INSERT INTO audit.chain_head (last_seq, last_hash) VALUES (0, '\\x00')"),
    ).rejects.toThrow();
  });

  it('gives the gatekeeper role no access to the chain head', async () => {
    await withTransaction(pool, async (client) => {
      await client.query('SET LOCAL ROLE palisade_gatekeeper');
      await expect(client.query('SELECT last_seq FROM audit.chain_head')).rejects.toThrow(
        'permission denied',
      );
    });
  });

  it('lets the gatekeeper role append chained events', async () => {
    await withTransaction(pool, async (client) => {
      await client.query('SET LOCAL ROLE palisade_gatekeeper');
      await appendAuditEvent(client, event('as-gatekeeper'));
    });

    const result = await verify();
    expect(result.intact).toBe(true);
  });

  it('copies committed events to the log stream', async () => {
    const { logger, lines } = collectingLogger({ base: { service: 'gatekeeper' } });
    setAuditLogger(logger);

    await withTransaction(pool, (client) => appendAuditEvent(client, event('logged')));
    await withTransaction(pool, async (client) => {
      await appendAuditEvent(client, event('never-committed'));
      throw new Error('roll back');
    }).catch(() => undefined);

    const stored = await pool.query<{ hash: string }>(
      "SELECT encode(hash, 'hex') AS hash FROM audit.events WHERE request_id = 'logged'",
    );
    const auditLines = lines.filter((line) => line['audit'] === true);

    expect(auditLines).toHaveLength(1);
    expect(auditLines[0]?.['msg']).toBe('audit event');
    expect(auditLines[0]?.['request_id']).toBe('logged');
    expect((auditLines[0]?.['audit_event'] as { hash?: string }).hash).toBe(stored.rows[0]?.hash);
  });
});
