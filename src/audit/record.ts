/**
 * The audit trail's one writer. The pipeline's audit step calls it (through trail.ts) inside
 * the transaction of the change it records, so a change exists only with its record and a
 * rolled-back change leaves none; refusals are recorded on their own.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AUDIT_OUTCOMES, AUDIT_SOURCES } from '../contract/extensions/audit.js';
import type { Database } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';
import { enqueueDeliveries } from './deliveries.js';

export type AuditSource = (typeof AUDIT_SOURCES)[number];
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

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
  /** The key owner's name (the principal's `userName`): `userIdentity.userName`. */
  userName?: string;
  /** The answer's members, already masked: the CloudTrail event's `responseElements`. */
  response?: unknown;
}

/**
 * Every stored field is capped, so that no request can make a record large: a User-Agent or
 * a message at 512 and 1,024 bytes, identifiers at 128, each string in the parameters at
 * 1,024 bytes (lists at 100 items) and the parameters as a whole at 32 KiB.
 */
export const CAPS = {
  userAgent: 512,
  errorMessage: 1024,
  identifier: 128,
  parameterText: 1024,
  parameterItems: 100,
  parameters: 32 * 1024,
} as const;

/** `s` cut to at most `max` bytes of UTF-8 (whole characters), marked with an ellipsis. */
export function capBytes(s: string, max: number): string {
  if (s.length * 3 <= max || Buffer.byteLength(s) <= max) return s;
  let out = Buffer.from(s, 'utf8')
    .subarray(0, max - 3)
    .toString('utf8');
  // A character cut in two decodes as U+FFFD: drop it.
  if (out.endsWith('\uFFFD')) out = out.slice(0, -1);
  return `${out}…`;
}

const cap = (s: string | undefined, max: number) => (s === undefined ? null : capBytes(s, max));

/** The parameters as stored: strings and lists capped, the whole bounded. */
export function capParameters(value: unknown): string | null {
  if (value === undefined) return null;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return capBytes(v, CAPS.parameterText);
    if (!v || typeof v !== 'object') return v;
    if (depth > 16) return '…';
    if (Array.isArray(v)) return v.slice(0, CAPS.parameterItems).map((x) => walk(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, depth + 1)]));
  };
  const json = JSON.stringify(walk(value, 0));
  return Buffer.byteLength(json) <= CAPS.parameters
    ? json
    : JSON.stringify({ truncated: true, bytes: Buffer.byteLength(json) });
}

/** The stored row of an entry, every field capped (bulk.ts seeds with it too). */
export function rowOf(e: AuditEntry) {
  const id = CAPS.identifier;
  return {
    at: e.at,
    source: e.source,
    operation: capBytes(e.operation, id),
    outcome: e.outcome,
    status: e.status,
    request_id: cap(e.requestId, id),
    access_key_id: cap(e.accessKeyId, id),
    account_id: cap(e.accountId, id),
    region: cap(e.region, id),
    source_ip: cap(e.sourceIp, id),
    user_agent: cap(e.userAgent, CAPS.userAgent),
    network_id: cap(e.networkId, id),
    parameters: capParameters(e.parameters),
    error_name: cap(e.errorName, id),
    error_message: cap(e.errorMessage, CAPS.errorMessage),
    event_id: randomUUID(),
    user_name: cap(e.userName, id),
    response: capParameters(e.response),
  };
}

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

/**
 * Whether any delivery sink (webhook, log files) exists, as the server's trail worker last saw
 * (audit/deliveries.ts). Unknown (no server: the CLI, the benchmark's seeding): the queue is
 * written whenever a sink exists, read in the same statement.
 */
const sinksSeen = new WeakMap<object, { any: boolean }>();

/** Tells the writer through `db` whether sinks exist (the trail worker's poll keeps it true). */
export function onSinksSeen(db: Kysely<Database>, state: { any: boolean }): void {
  sinksSeen.set(db.getExecutor().adapter, state);
}

/** Writes one record with `db`: pass the transaction of the change it records. */
export async function recordAudit(db: Kysely<Database>, e: AuditEntry): Promise<void> {
  await insertAudit(db, e);
}

/**
 * Writes one record and returns its ID (a refusal's, which later repeats may fold into), with
 * its deliveries queued in the same transaction (the outbox pattern: an event exists only with
 * its deliveries, and a crash after the commit loses none).
 */
export async function insertAudit(db: Kysely<Database>, e: AuditEntry): Promise<number> {
  const row = rowOf(e);
  const insert = async (on: Kysely<Database>) => {
    const { id } = await on
      .insertInto('audit_log')
      .values(row)
      .returning('id')
      .executeTakeFirstOrThrow();
    await enqueueDeliveries(on, Number(id), e.at);
    return Number(id);
  };
  const delivering = sinksSeen.get(db.getExecutor().adapter)?.any ?? true;
  const id = !delivering
    ? Number(
        (await db.insertInto('audit_log').values(row).returning('id').executeTakeFirstOrThrow()).id,
      )
    : db.isTransaction
      ? await insert(db)
      : await inTransaction(db, insert);
  listeners.get(db.getExecutor().adapter)?.(e);
  return id;
}

/** Counts one more refusal in record `id`; false when the record is gone (purged, reset). */
export async function foldInto(db: Kysely<Database>, id: number): Promise<boolean> {
  const r = await db
    .updateTable('audit_log')
    .set((eb) => ({ repeats: eb('repeats', '+', 1) }))
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The access key a refused request claims to be signed with (its signature is not trusted). */
export function claimedKey(authorization: string | undefined): { accessKeyId?: string } {
  const m = authorization ? /Credential=([A-Za-z0-9]{1,128})\//.exec(authorization) : null;
  return m ? { accessKeyId: m[1]! } : {};
}
