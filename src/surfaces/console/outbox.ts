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
    .selectFrom('outbox as o')
    // The member's code: a message's expiry is shown while its code is still the member's.
    .leftJoin('members as m', 'm.member_id', 'o.member_id')
    .select([
      'o.id',
      'o.member_id',
      'o.kind',
      'o.recipient',
      'o.subject',
      'o.status',
      'o.attempts',
      'o.created_at',
      'o.sent_at',
      'o.next_attempt_at',
      'o.last_error',
      'o.invite_code',
      'm.invite_code as member_code',
      'm.invite_expires_at',
    ])
    .where('o.network_id', '=', networkId)
    .orderBy('o.id', 'desc')
    .limit(max + 1);
  if (query.status) q = q.where('o.status', '=', query.status);
  if (query.userId) q = q.where('o.member_id', '=', Number(query.userId));
  if (query.nextToken) q = q.where('o.id', '<', Number(query.nextToken));
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
      inviteExpiresAt:
        r.invite_code !== null && r.invite_code === r.member_code ? iso(r.invite_expires_at) : null,
    })),
    ...(rows.length > max ? { nextToken: String(page[page.length - 1]!.id) } : {}),
  };
}
