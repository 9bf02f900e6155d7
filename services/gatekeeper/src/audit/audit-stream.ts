import type { Logger } from 'pino';

/** An audit event as it was stored, with its place and hash in the chain. */
export interface ChainedAuditEvent {
  readonly seq: string;
  readonly id: string;
  readonly action: string;
  readonly actor_id: string | null;
  readonly actor_subject: string;
  readonly target_type: string;
  readonly target_id: string;
  readonly request_id: string;
  /** SHA-256 of the previous hash and this event, hex. */
  readonly hash: string;
}

let auditLogger: Logger | undefined;

/** Sets the logger that copies committed audit events to the log stream. */
export function setAuditLogger(logger: Logger): void {
  auditLogger = logger;
}

/**
 * Writes a committed audit event to the log stream as `audit event` with
 * `audit: true`, so a log pipeline can route it apart from other lines and
 * keep a copy of each hash that a database owner cannot rewrite. The event
 * contains ids only, never personal data.
 */
export function logAuditEvent(event: ChainedAuditEvent): void {
  auditLogger?.info(
    { audit: true, request_id: event.request_id, audit_event: event },
    'audit event',
  );
}
