/**
 * The audit trail's one writer. The pipeline calls it inside the transaction of the change it
 * records (so a change exists only with its record, and a rolled-back change leaves none);
 * other surfaces (console sign-ins, invitee endpoints) call it for their own events.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export type AuditSource = 'admin-api' | 'console' | 'invitee';
export type AuditOutcome = 'success' | 'refused' | 'error';

export interface AuditEntry {
  /** Epoch milliseconds; the server clock's time. */
  at: number;
  source: AuditSource;
  operation: string;
  outcome: AuditOutcome;
  /** HTTP status of the answer. */
  status: number;
  requestId?: string;
  accessKeyId?: string;
  accountId?: string;
  region?: string;
  sourceIp?: string;
  userAgent?: string;
  networkId?: string;
  /** Already masked (see maskSensitive); stored as JSON. */
  parameters?: unknown;
  errorName?: string;
  errorMessage?: string;
}

const MAX_TEXT = 2048;
const cut = (s: string | undefined) =>
  s === undefined ? null : s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;

/** Told of each record written (the audit-record rate of /metrics). */
export type AuditListener = (entry: AuditEntry) => void;
const listeners = new WeakMap<object, AuditListener>();

/**
 * Calls `listener` after each record written through `db` or any transaction of it (they share
 * one adapter object; a record is written with whichever handle its change used).
 */
export function onAuditRecorded(db: Kysely<Database>, listener: AuditListener): void {
  listeners.set(db.getExecutor().adapter, listener);
}

/** Writes one record with `db`: pass the transaction of the change it records. */
export async function recordAudit(db: Kysely<Database>, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: e.at,
      source: e.source,
      operation: e.operation,
      outcome: e.outcome,
      status: e.status,
      request_id: e.requestId ?? null,
      access_key_id: e.accessKeyId ?? null,
      account_id: e.accountId ?? null,
      region: e.region ?? null,
      source_ip: e.sourceIp ?? null,
      user_agent: cut(e.userAgent),
      network_id: e.networkId ?? null,
      parameters: e.parameters === undefined ? null : JSON.stringify(e.parameters),
      error_name: e.errorName ?? null,
      error_message: cut(e.errorMessage),
    })
    .execute();
  listeners.get(db.getExecutor().adapter)?.(e);
}

/** The access key a refused request claims to be signed with (its signature is not trusted). */
export function claimedKey(authorization: string | undefined): { accessKeyId?: string } {
  const m = authorization ? /Credential=([A-Za-z0-9]{1,128})\//.exec(authorization) : null;
  return m ? { accessKeyId: m[1]! } : {};
}
