/**
 * The outbox's owner on the request side: invitation e-mails are queued in the caller's
 * transaction (so a message exists exactly when the change that caused it committed),
 * superseded by a newer invitation, or withdrawn with their user or network. The delivery
 * worker (delivery/worker.ts) moves queued messages on to sent or failed.
 */
import type { Insertable, Kysely } from 'kysely';
import type { Database, OutboxTable } from '../../store/schema.js';

type Db = Kysely<Database>;

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
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
    sent_at: null,
    last_error: null,
  }));
  const ids: number[] = [];
  // Kept well under both engines' bound-parameter limits.
  for (let i = 0; i < rows.length; i += 100) {
    const q = db.insertInto('outbox').values(rows.slice(i, i + 100));
    if (!withIds) await q.execute();
    else for (const r of await q.returning('id').execute()) ids.push(Number(r.id));
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
  status: 'superseded' | 'withdrawn' = 'withdrawn',
): Promise<void> {
  if (memberIds.length === 0) return;
  await db
    .updateTable('outbox')
    .set({ status })
    .where('status', '=', 'pending')
    .where('member_id', 'in', memberIds)
    .execute();
}

/** Queued messages to deleted members: never sent. */
export async function deletePending(db: Db, memberIds: readonly number[]): Promise<void> {
  if (memberIds.length === 0) return;
  await db
    .deleteFrom('outbox')
    .where('member_id', 'in', memberIds)
    .where('status', '=', 'pending')
    .execute();
}

/** A deleted network's messages, unsent invitations included. */
export async function deleteNetworkOutbox(db: Db, networkId: string): Promise<void> {
  await db.deleteFrom('outbox').where('network_id', '=', networkId).execute();
}
