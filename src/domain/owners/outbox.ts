/**
 * The outbox's owner on the request side: invitation e-mails are queued in the caller's
 * transaction (so a message exists exactly when the change that caused it committed),
 * superseded by a newer invitation, or withdrawn with their user or network. On the delivery
 * side (used by delivery/worker.ts, which keeps the transactions, the SMTP sends and the
 * retry policy): due messages are claimed (locked or leased), then recorded as sent, to be
 * retried, withdrawn or failed.
 */
import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database, OutboxRow, OutboxStatus, OutboxTable } from '../../store/schema.js';
import { insertRows } from '../../store/insert-rows.js';
import { MEMBER_STATUS } from './members.js';

type Db = Kysely<Database>;

/**
 * outbox.status. `superseded`: a later invitation replaced it; `withdrawn`: its recipient can
 * no longer use it.
 */
export const OUTBOX_STATUS = {
  PENDING: 'pending',
  SENT: 'sent',
  FAILED: 'failed',
  SUPERSEDED: 'superseded',
  WITHDRAWN: 'withdrawn',
} as const satisfies Record<string, OutboxStatus>;

/** Every status a message can have, for filters. */
export const OUTBOX_STATUSES: readonly OutboxStatus[] = Object.values(OUTBOX_STATUS);

export type OutboxMessage = Omit<
  Insertable<OutboxTable>,
  'id' | 'status' | 'attempts' | 'next_attempt_at' | 'created_at' | 'sent_at' | 'last_error'
>;

/**
 * Queues messages, due now. Returns the new rows' ids when `withIds` asks (for the log line
 * naming each message); otherwise inserts without reading anything back.
 */
export async function enqueue(
  db: Db,
  messages: OutboxMessage[],
  now: number,
  withIds = false,
): Promise<number[]> {
  const rows = messages.map((m) => ({
    ...m,
    status: OUTBOX_STATUS.PENDING,
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
    sent_at: null,
    last_error: null,
  }));
  const ids: number[] = [];
  // Kept well under both engines' bound-parameter limits.
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    if (!withIds) await insertRows(db, 'outbox', chunk);
    else for (const r of await insertRows(db, 'outbox', chunk, ['id'])) ids.push(Number(r.id));
  }
  return ids;
}

/**
 * Withdraws the queued (unsent) messages to these members: a newer invitation supersedes
 * them, or the member registered, was suspended or declined, so the code is of no use.
 */
export async function withdrawPending(
  db: Db,
  memberIds: readonly number[],
  status:
    typeof OUTBOX_STATUS.SUPERSEDED | typeof OUTBOX_STATUS.WITHDRAWN = OUTBOX_STATUS.WITHDRAWN,
): Promise<void> {
  if (memberIds.length === 0) return;
  await db
    .updateTable('outbox')
    .set({ status })
    .where('status', '=', OUTBOX_STATUS.PENDING)
    .where('member_id', 'in', memberIds)
    .execute();
}

/** Queued messages to deleted members: never sent. */
export async function deletePending(db: Db, memberIds: readonly number[]): Promise<void> {
  if (memberIds.length === 0) return;
  await db
    .deleteFrom('outbox')
    .where('member_id', 'in', memberIds)
    .where('status', '=', OUTBOX_STATUS.PENDING)
    .execute();
}

/** Deleted networks' messages, unsent invitations included. */
export async function deleteNetworkOutbox(db: Db, networkIds: readonly string[]): Promise<void> {
  if (networkIds.length === 0) return;
  await db.deleteFrom('outbox').where('network_id', 'in', networkIds).execute();
}

/**
 * Empties the outbox, or one network's or recipient's part of it (the test controls' mail
 * list and reset); messages not yet sent never will be. Returns how many rows went.
 */
export async function clearOutbox(
  db: Db,
  filter: { networkId?: string; recipient?: string } = {},
): Promise<number> {
  let q = db.deleteFrom('outbox');
  if (filter.networkId) q = q.where('network_id', '=', filter.networkId);
  if (filter.recipient) q = q.where('recipient', '=', filter.recipient);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

// ---- The delivery side ----

/** A due message with what the worker checks about its recipient before sending. */
export type DueMessage = OutboxRow & {
  m_status: number | null;
  m_suspended: number | null;
  m_code: string | null;
  m_declined: number | null;
};

function dueQuery(db: Db, now: number, limit: number) {
  return db
    .selectFrom('outbox as o')
    .leftJoin('members as m', 'm.member_id', 'o.member_id')
    .selectAll('o')
    .select([
      'm.status as m_status',
      'm.suspended as m_suspended',
      'm.invite_code as m_code',
      'm.invite_declined_at as m_declined',
    ])
    .where('o.status', '=', OUTBOX_STATUS.PENDING)
    .where('o.next_attempt_at', '<=', now)
    .orderBy('o.id')
    .limit(limit);
}

/**
 * Why a due message may no longer be sent, or undefined when it may: it goes out only while
 * its recipient can still use it (still pending, unsuspended, not declined, and the code it
 * carries is the member's current one).
 */
export function undeliverable(m: DueMessage): string | undefined {
  if (m.member_id === null) return undefined;
  if (m.m_status === null) return 'the user was deleted';
  if (Number(m.m_status) !== MEMBER_STATUS.PENDING) return 'the user has registered';
  if (Number(m.m_suspended) === 1) return 'the user is suspended';
  if (m.m_declined !== null) return 'the user declined the invitation';
  if (m.invite_code !== null && m.m_code !== m.invite_code) {
    return 'the invite code was replaced';
  }
  return undefined;
}

/**
 * PostgreSQL: due messages locked for the caller's transaction (FOR UPDATE SKIP LOCKED), so
 * replicas skip each other's rows and a change touching a row waits for its send.
 */
export async function lockDue(trx: Db, now: number, limit: number): Promise<DueMessage[]> {
  return dueQuery(trx, now, limit)
    .modifyEnd(sql`FOR UPDATE OF o SKIP LOCKED`)
    .execute();
}

/**
 * SQLite: due messages leased until `leaseUntil` (next_attempt_at moved ahead), so the
 * connection is free during the send and another pass does not pick them up meanwhile.
 */
export async function leaseDue(
  trx: Db,
  now: number,
  limit: number,
  leaseUntil: number,
): Promise<DueMessage[]> {
  const due: DueMessage[] = await dueQuery(trx, now, limit).execute();
  if (due.length > 0) {
    await trx
      .updateTable('outbox')
      .set({ next_attempt_at: leaseUntil })
      .where(
        'id',
        'in',
        due.map((m) => m.id),
      )
      .execute();
  }
  return due;
}

/** Records sends; only rows still pending change (a withdrawn or deleted one stays so). */
export async function recordSent(db: Db, ids: readonly number[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('outbox')
    .set((eb) => ({
      status: OUTBOX_STATUS.SENT,
      attempts: eb('attempts', '+', 1),
      sent_at: now,
      last_error: null,
    }))
    .where('id', 'in', ids)
    .where('status', '=', OUTBOX_STATUS.PENDING)
    .execute();
}

/** The outcome of one message that was not sent, recorded if it is still pending. */
export type Unsent =
  | {
      status: typeof OUTBOX_STATUS.PENDING;
      attempts: number;
      nextAttemptAt: number;
      error: string;
    }
  | { status: typeof OUTBOX_STATUS.WITHDRAWN; reason: string }
  | { status: typeof OUTBOX_STATUS.FAILED; attempts: number; reason: string };

export async function recordUnsent(db: Db, id: number, outcome: Unsent): Promise<void> {
  const row = db
    .updateTable('outbox')
    .where('id', '=', id)
    .where('status', '=', OUTBOX_STATUS.PENDING);
  switch (outcome.status) {
    case OUTBOX_STATUS.PENDING:
      await row
        .set({
          attempts: outcome.attempts,
          next_attempt_at: outcome.nextAttemptAt,
          last_error: outcome.error,
        })
        .execute();
      return;
    case OUTBOX_STATUS.WITHDRAWN:
      await row.set({ status: outcome.status, last_error: outcome.reason }).execute();
      return;
    case OUTBOX_STATUS.FAILED:
      await row
        .set({ status: outcome.status, attempts: outcome.attempts, last_error: outcome.reason })
        .execute();
      return;
  }
}
