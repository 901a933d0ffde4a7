/** Reading and purging the audit trail (`wickr-admin audit list`, GET /_wickr/audit). */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

export interface AuditFilter {
  networkId?: string;
  operation?: string;
  accessKeyId?: string;
  /** Epoch milliseconds, inclusive. */
  since?: number;
  /** Epoch milliseconds, exclusive. */
  until?: number;
  limit?: number;
}

export interface AuditRecord {
  id: number;
  time: string;
  source: string;
  requestId: string | null;
  accessKeyId: string | null;
  accountId: string | null;
  region: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  operation: string;
  networkId: string | null;
  parameters: unknown;
  outcome: string;
  status: number;
  errorName: string | null;
  errorMessage: string | null;
}

/** Newest first. */
export async function listAudit(
  db: Kysely<Database>,
  filter: AuditFilter = {},
): Promise<AuditRecord[]> {
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(1, filter.limit ?? 1000), 10_000));
  if (filter.networkId) q = q.where('network_id', '=', filter.networkId);
  if (filter.operation) q = q.where('operation', '=', filter.operation);
  if (filter.accessKeyId) q = q.where('access_key_id', '=', filter.accessKeyId);
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('at', '<', filter.until);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    time: new Date(Number(r.at)).toISOString(),
    source: r.source,
    requestId: r.request_id,
    accessKeyId: r.access_key_id,
    accountId: r.account_id,
    region: r.region,
    sourceIp: r.source_ip,
    userAgent: r.user_agent,
    operation: r.operation,
    networkId: r.network_id,
    parameters: r.parameters === null ? null : (JSON.parse(r.parameters) as unknown),
    outcome: r.outcome,
    status: Number(r.status),
    errorName: r.error_name,
    errorMessage: r.error_message,
  }));
}

/** Deletes records older than `before` (epoch ms); returns how many. */
export async function purgeAudit(db: Kysely<Database>, before: number): Promise<number> {
  const r = await db.deleteFrom('audit_log').where('at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** A time given as ISO 8601, epoch milliseconds, or an age such as 15m, 2h, 7d. */
export function parseTime(text: string, now: number): number {
  const age = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (age) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 's'];
    return now - Number(age[1]) * unit;
  }
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new Error(`"${text}" is not a time (ISO 8601, epoch ms, or 15m/2h/7d)`);
  return ms;
}
