/**
 * The owner of `trail_sinks` and `trail_deliveries` (migration 017): where audit events are
 * delivered (webhooks, log-file directories) and the durable queue of their deliveries, one
 * row per event and sink, written in the audit record's own transaction (record.ts) and
 * leased by the trail's delivery worker (delivery/trail-worker.ts).
 *
 * A lease moves a row's `next_attempt_at` ahead by the lease's length, in one statement that
 * only takes rows still due: two workers (replicas) never hold one row at once, and a worker
 * that dies leaves its rows to be taken again once the lease ends (at least once). On
 * PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so concurrent claims do not wait on
 * each other.
 */
import { sql, type Kysely } from 'kysely';
import { engineOf } from '../store/database.js';
import type { Database } from '../store/schema.js';

export const SINK_KIND = { webhook: 'webhook', files: 'files' } as const;
export type SinkKind = (typeof SINK_KIND)[keyof typeof SINK_KIND];

export const DELIVERY_STATUS = {
  pending: 'pending',
  delivered: 'delivered',
  /** The sink's event pattern did not match the event. */
  skipped: 'skipped',
  /** Retried until the retry period ran out. */
  failed: 'failed',
} as const;
export type DeliveryStatus = (typeof DELIVERY_STATUS)[keyof typeof DELIVERY_STATUS];

export interface Sink {
  id: number;
  kind: SinkKind;
  target: string;
  secret: string | null;
  /** The event pattern as JSON text, or null for every event. */
  pattern: string | null;
  createdAt: number;
}

/** Queues record `auditId` for every sink that exists; run in the record's transaction. */
export async function enqueueDeliveries(
  db: Kysely<Database>,
  auditId: number,
  at: number,
): Promise<void> {
  await db
    .insertInto('trail_deliveries')
    .columns(['sink_id', 'audit_id', 'status', 'next_attempt_at', 'created_at'])
    .expression((eb) =>
      eb.selectFrom('trail_sinks').select([
        'id',
        // Typed: PostgreSQL cannot infer a parameter's type in a select list.
        sql<number>`CAST(${auditId} AS BIGINT)`.as('audit_id'),
        sql<string>`CAST(${DELIVERY_STATUS.pending} AS TEXT)`.as('status'),
        sql<number>`CAST(${at} AS BIGINT)`.as('next_attempt_at'),
        sql<number>`CAST(${at} AS BIGINT)`.as('created_at'),
      ]),
    )
    .execute();
}

const sinkOf = (r: {
  id: number;
  kind: string;
  target: string;
  secret: string | null;
  pattern: string | null;
  created_at: number;
}): Sink => ({
  id: Number(r.id),
  kind: r.kind as SinkKind,
  target: r.target,
  secret: r.secret,
  pattern: r.pattern,
  createdAt: Number(r.created_at),
});

export async function addSink(
  db: Kysely<Database>,
  sink: { kind: SinkKind; target: string; secret?: string; pattern?: string; now: number },
): Promise<Sink> {
  const row = await db
    .insertInto('trail_sinks')
    .values({
      kind: sink.kind,
      target: sink.target,
      secret: sink.secret ?? null,
      pattern: sink.pattern ?? null,
      created_at: sink.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return sinkOf(row);
}

/** The log-file sink of a directory (WICKR_AUDIT_LOG_DIR), added at start unless it exists. */
export async function ensureFilesSink(
  db: Kysely<Database>,
  dir: string,
  now: number,
): Promise<Sink> {
  const found = (await listSinks(db)).find((s) => s.kind === SINK_KIND.files && s.target === dir);
  return found ?? addSink(db, { kind: SINK_KIND.files, target: dir, now });
}

export async function listSinks(db: Kysely<Database>): Promise<Sink[]> {
  const rows = await db.selectFrom('trail_sinks').selectAll().orderBy('id').execute();
  return rows.map(sinkOf);
}

export async function countSinks(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('trail_sinks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Removes a sink and its queued deliveries; false when there is none with that ID. */
export async function removeSink(db: Kysely<Database>, id: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('trail_deliveries').where('sink_id', '=', id).execute();
    const r = await trx.deleteFrom('trail_sinks').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
}

/** Per sink: how many deliveries are in each state, the oldest pending, the last error. */
export interface SinkStatus {
  sinkId: number;
  counts: Record<DeliveryStatus, number>;
  /** When the oldest delivery still pending was queued (epoch ms). */
  oldestPendingAt: number | null;
  lastError: string | null;
}

export async function sinkStatuses(db: Kysely<Database>): Promise<SinkStatus[]> {
  const sinks = await listSinks(db);
  const counts = await db
    .selectFrom('trail_deliveries')
    .select((eb) => [
      'sink_id',
      'status',
      eb.fn.countAll<number>().as('n'),
      eb.fn.min('created_at').as('oldest'),
    ])
    .groupBy(['sink_id', 'status'])
    .execute();
  const errors = await db
    .selectFrom('trail_deliveries')
    .select(['sink_id', 'last_error'])
    .where('last_error', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1000)
    .execute();
  return sinks.map((s) => {
    const status: SinkStatus = {
      sinkId: s.id,
      counts: { pending: 0, delivered: 0, skipped: 0, failed: 0 },
      oldestPendingAt: null,
      lastError: errors.find((e) => Number(e.sink_id) === s.id)?.last_error ?? null,
    };
    for (const c of counts) {
      if (Number(c.sink_id) !== s.id) continue;
      status.counts[c.status as DeliveryStatus] = Number(c.n);
      if (c.status === DELIVERY_STATUS.pending) status.oldestPendingAt = Number(c.oldest);
    }
    return status;
  });
}

/** A leased delivery: its row and the sink it goes to. */
export interface Due {
  id: number;
  sinkId: number;
  auditId: number;
  attempts: number;
  createdAt: number;
}

/**
 * Leases up to `limit` due deliveries of one sink until `now + leaseMs`, oldest first. The
 * update takes only rows still due, so a row another worker leased meanwhile is not taken.
 */
export async function leaseDue(
  db: Kysely<Database>,
  sinkId: number,
  now: number,
  limit: number,
  leaseMs: number,
): Promise<Due[]> {
  const pg = engineOf(db) === 'postgres';
  const picked = db
    .selectFrom('trail_deliveries')
    .select('id')
    .where('status', '=', DELIVERY_STATUS.pending)
    .where('next_attempt_at', '<=', now)
    .where('sink_id', '=', sinkId)
    .orderBy('id')
    .limit(limit);
  const rows = await db
    .updateTable('trail_deliveries')
    .set({ next_attempt_at: now + leaseMs })
    .where('id', 'in', pg ? picked.forUpdate().skipLocked() : picked)
    .where('status', '=', DELIVERY_STATUS.pending)
    .where('next_attempt_at', '<=', now)
    .returning(['id', 'sink_id', 'audit_id', 'attempts', 'created_at'])
    .execute();
  return rows
    .map((r) => ({
      id: Number(r.id),
      sinkId: Number(r.sink_id),
      auditId: Number(r.audit_id),
      attempts: Number(r.attempts),
      createdAt: Number(r.created_at),
    }))
    .sort((a, b) => a.id - b.id);
}

/** The sinks that have deliveries due now. */
export async function sinksDue(db: Kysely<Database>, now: number): Promise<number[]> {
  const rows = await db
    .selectFrom('trail_deliveries')
    .select('sink_id')
    .distinct()
    .where('status', '=', DELIVERY_STATUS.pending)
    .where('next_attempt_at', '<=', now)
    .execute();
  return rows.map((r) => Number(r.sink_id));
}

/** What became of a leased delivery. */
export type Settled =
  | { status: 'delivered' | 'skipped'; at: number }
  | { status: 'retry'; nextAttemptAt: number; error: string }
  | { status: typeof DELIVERY_STATUS.failed; error: string };

export async function settle(
  db: Kysely<Database>,
  ids: readonly number[],
  outcome: Settled,
): Promise<void> {
  if (ids.length === 0) return;
  const q = db.updateTable('trail_deliveries').where('id', 'in', [...ids]);
  switch (outcome.status) {
    case 'delivered':
    case 'skipped':
      await q
        .set((eb) => ({
          status: outcome.status,
          delivered_at: outcome.at,
          attempts: eb('attempts', '+', outcome.status === 'delivered' ? 1 : 0),
        }))
        .execute();
      return;
    case 'retry':
      await q
        .set((eb) => ({
          next_attempt_at: outcome.nextAttemptAt,
          last_error: outcome.error.slice(0, 1024),
          attempts: eb('attempts', '+', 1),
        }))
        .execute();
      return;
    case DELIVERY_STATUS.failed:
      await q
        .set((eb) => ({
          status: DELIVERY_STATUS.failed,
          last_error: outcome.error.slice(0, 1024),
          attempts: eb('attempts', '+', 1),
        }))
        .execute();
  }
}

/** Deletes settled deliveries older than `before` (the retention purge). */
export async function purgeDeliveries(db: Kysely<Database>, before: number): Promise<number> {
  const r = await db
    .deleteFrom('trail_deliveries')
    .where('status', '!=', DELIVERY_STATUS.pending)
    .where('created_at', '<', before)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
