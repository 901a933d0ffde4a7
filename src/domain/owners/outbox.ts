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

/** Queues messages, due now. */
export async function enqueue(db: Db, messages: OutboxMessage[], now: number): Promise<void> {
  const rows = messages.map((m) => ({
    ...m,
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
    sent_at: null,
    last_error: null,
  }));
  // Kept well under both engines' bound-parameter limits.
  for (let i = 0; i < rows.length; i += 100) {
    await db
      .insertInto('outbox')
      .values(rows.slice(i, i + 100))
      .execute();
  }
}

/** Queued messages to these members that a newer invitation (or a decline) makes void. */
export async function supersede(db: Db, memberIds: readonly number[]): Promise<void> {
  if (memberIds.length === 0) return;
  await db
    .updateTable('outbox')
    .set({ status: 'superseded' })
    .where('status', '=', 'pending')
    .where('member_id', 'in', memberIds)
    .execute();
}

/** Queued messages to deleted members: never sent. */
export async function withdraw(db: Db, memberIds: readonly number[]): Promise<void> {
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
