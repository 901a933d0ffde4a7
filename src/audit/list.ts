/** Reading and purging the audit trail (`wickr-admin audit list`, GET /_wickr/audit). */
import type { Kysely, Selectable } from 'kysely';
import { LookupAuditRecords, MAX_AUDIT_PAGE } from '../contract/extensions/audit.js';
import type { AuditLogTable, Database } from '../store/schema.js';
import type { AuditOutcome, AuditSource } from './record.js';

export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

/** The signed read of a running server's trail (LookupAuditRecords), a server extension. */
export const AUDIT_READ_PATH = LookupAuditRecords.path;
/** The action a key needs for it (`*` and `wickr:*` include it; `wickr:List*` does not). */
export const AUDIT_READ_ACTION = LookupAuditRecords.name;
/** The most records one page of the signed read holds. */
export const MAX_PAGE = MAX_AUDIT_PAGE;

export interface AuditFilter {
  networkId?: string;
  operation?: string;
  accessKeyId?: string;
  source?: AuditSource;
  outcome?: AuditOutcome;
  /** Epoch milliseconds, inclusive. */
  since?: number;
  /** Epoch milliseconds, exclusive. */
  until?: number;
  limit?: number;
  /** LookupEvents' attributes (one at a time): the event's ID (or, for a record of an earlier
   * release, its row's), the key owner's name, operations in or not in a set, any network. */
  eventId?: string;
  id?: number;
  userName?: string;
  operations?: { in: readonly string[] } | { notIn: readonly string[] };
  hasNetwork?: boolean;
  /** Only records older than this one (a page's continuation; see listAuditPage). */
  after?: AuditPosition;
  /**
   * Only what a key of this account may read: the account's own records, and records of no
   * account (refusals, invitee and console requests) that name one of its networks or none.
   * With `networks`, only records of those networks.
   */
  scope?: { accountId: string; networks?: readonly string[] };
}

/** Where a page ended: the last record's time and ID (records are newest first). */
export interface AuditPosition {
  at: number;
  id: number;
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
  /** Refusals folded into this record after it (audit/trail.ts). */
  repeats: number;
  /** The CloudTrail event ID (null in records of releases before it). */
  eventId: string | null;
  /** The key owner's name. */
  userName: string | null;
  /** The answer's members, masked (a change's `responseElements`). */
  response: unknown;
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
  if (filter.source) q = q.where('source', '=', filter.source);
  if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
  if (filter.eventId !== undefined) q = q.where('event_id', '=', filter.eventId);
  if (filter.id !== undefined) q = q.where('id', '=', filter.id);
  if (filter.userName !== undefined) q = q.where('user_name', '=', filter.userName);
  const ops = filter.operations;
  if (ops) {
    q =
      'in' in ops
        ? q.where('operation', 'in', ops.in.length > 0 ? [...ops.in] : [''])
        : q.where('operation', 'not in', ops.notIn.length > 0 ? [...ops.notIn] : ['']);
  }
  if (filter.hasNetwork !== undefined)
    q = q.where('network_id', filter.hasNetwork ? 'is not' : 'is', null);
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('at', '<', filter.until);
  const after = filter.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]),
    );
  }
  const scope = filter.scope;
  if (scope) {
    const { accountId, networks } = scope;
    if (networks) {
      q = q.where('network_id', 'in', networks.length > 0 ? [...networks] : ['']);
    }
    q = q.where((eb) =>
      eb.or([
        eb('account_id', '=', accountId),
        eb.and([
          eb('account_id', 'is', null),
          eb.or([
            eb('network_id', 'is', null),
            eb(
              'network_id',
              'in',
              eb.selectFrom('networks').select('network_id').where('account_id', '=', accountId),
            ),
          ]),
        ]),
      ]),
    );
  }
  const rows = await q.execute();
  return rows.map(recordOf);
}

/** A stored row as a record. */
export function recordOf(r: Selectable<AuditLogTable>): AuditRecord {
  return {
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
    repeats: Number(r.repeats),
    eventId: r.event_id ?? null,
    userName: r.user_name ?? null,
    response: r.response ? (JSON.parse(r.response) as unknown) : null,
  };
}

/** One page of records and, when more follow, the token of the next page. */
export async function listAuditPage(
  db: Kysely<Database>,
  filter: AuditFilter & { limit: number },
): Promise<{ records: AuditRecord[]; nextToken?: string }> {
  const records = await listAudit(db, { ...filter, limit: filter.limit + 1 });
  if (records.length <= filter.limit) return { records };
  const page = records.slice(0, filter.limit);
  const last = page[page.length - 1]!;
  const position = `${Date.parse(last.time)}.${last.id}`;
  return { records: page, nextToken: Buffer.from(position).toString('base64url') };
}

/** The position a nextToken of listAuditPage names, or undefined when it is not one. */
export function auditPosition(token: string): AuditPosition | undefined {
  const m = /^(\d{1,16})\.(\d{1,19})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? { at: Number(m[1]), id: Number(m[2]) } : undefined;
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

/** The records with these IDs (those still kept), by ID. */
export async function recordsByIds(
  db: Kysely<Database>,
  ids: readonly number[],
): Promise<Map<number, AuditRecord>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('audit_log')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [Number(r.id), recordOf(r)]));
}
