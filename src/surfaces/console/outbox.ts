/**
 * The console's Invitations page: one network's outbox, newest first, a page at a time (keyset
 * on the row id, served by the (network_id, id) index). A console-only read; the AWS API has
 * no such operation. Message bodies are left out: they carry invite codes.
 */
import type { Kysely } from 'kysely';
import type { InputOf } from '../../contract/index.js';
import type { ListOutboxMessages } from '../../contract/extensions/console.js';
import type { Database } from '../../store/schema.js';
import { OUTBOX_STATUS } from '../../domain/owners/outbox.js';

/** One page; the network was checked by the pipeline's tenancy step, the query by validation. */
export async function networkOutbox(
  db: Kysely<Database>,
  query: InputOf<typeof ListOutboxMessages>,
) {
  const max = query.maxResults ?? 100;
  const networkId = query.networkId;
  let q = db
    .selectFrom('outbox')
    .select([
      'id',
      'member_id',
      'kind',
      'recipient',
      'subject',
      'status',
      'attempts',
      'created_at',
      'sent_at',
      'next_attempt_at',
      'last_error',
    ])
    .where('network_id', '=', networkId)
    .orderBy('id', 'desc')
    .limit(max + 1);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.nextToken) q = q.where('id', '<', Number(query.nextToken));
  const rows = await q.execute();
  const page = rows.slice(0, max);
  const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
  return {
    messages: page.map((r) => ({
      id: String(r.id),
      userId: r.member_id === null ? null : String(r.member_id),
      kind: r.kind,
      recipient: r.recipient,
      subject: r.subject,
      status: r.status,
      attempts: r.attempts,
      createdAt: iso(r.created_at),
      sentAt: iso(r.sent_at),
      nextAttemptAt: r.status === OUTBOX_STATUS.PENDING ? iso(r.next_attempt_at) : null,
      lastError: r.last_error,
    })),
    ...(rows.length > max ? { nextToken: String(page[page.length - 1]!.id) } : {}),
  };
}
