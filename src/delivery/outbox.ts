/** Reading the outbox (the CLI's `outbox list`), apart from the worker and its SMTP client. */
import type { Kysely } from 'kysely';
import type { Database, OutboxRow } from '../store/schema.js';
import { OUTBOX_STATUS } from '../domain/owners/outbox.js';

export async function listOutbox(
  db: Kysely<Database>,
  filter: { status?: string; networkId?: string; limit?: number },
) {
  let q = db
    .selectFrom('outbox')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100);
  if (filter.status) q = q.where('status', '=', filter.status as OutboxRow['status']);
  if (filter.networkId) q = q.where('network_id', '=', filter.networkId);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    networkId: r.network_id,
    userId: r.member_id === null ? null : String(r.member_id),
    kind: r.kind,
    recipient: r.recipient,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    createdAt: new Date(Number(r.created_at)).toISOString(),
    sentAt: r.sent_at === null ? null : new Date(Number(r.sent_at)).toISOString(),
    nextAttemptAt:
      r.status === OUTBOX_STATUS.PENDING ? new Date(Number(r.next_attempt_at)).toISOString() : null,
    lastError: r.last_error,
    body: r.body_text,
  }));
}
