/**
 * The console's Invitations page: one network's outbox, newest first, a page at a time (keyset
 * on the row id, served by the (network_id, id) index). A console-only read; the AWS API has
 * no such operation. Message bodies are left out: they carry invite codes.
 */
import type { Kysely } from 'kysely';
import type { Principal } from '../../domain/context.js';
import { notFound, validationError } from '../../contract/errors.js';
import type { Database, OutboxRow } from '../../store/schema.js';
import { OUTBOX_STATUS, OUTBOX_STATUSES } from '../../domain/owners/outbox.js';

export interface OutboxQuery {
  status?: string;
  nextToken?: string;
  maxResults?: string;
}

export async function networkOutbox(
  db: Kysely<Database>,
  principal: Principal,
  networkId: string,
  query: OutboxQuery,
) {
  const reasons = [];
  if (
    query.status !== undefined &&
    !(OUTBOX_STATUSES as readonly string[]).includes(query.status)
  ) {
    reasons.push({ field: 'status', reason: `must be one of ${OUTBOX_STATUSES.join(', ')}` });
  }
  if (query.nextToken !== undefined && !/^\d{1,15}$/.test(query.nextToken)) {
    reasons.push({ field: 'nextToken', reason: 'is not a token this endpoint returned' });
  }
  const max = query.maxResults === undefined ? 100 : Number(query.maxResults);
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    reasons.push({ field: 'maxResults', reason: 'must be an integer from 1 to 100' });
  }
  if (reasons.length > 0) throw validationError(reasons);

  const network = await db
    .selectFrom('networks')
    .select('network_id')
    .where('network_id', '=', networkId)
    .where('account_id', '=', principal.accountId)
    .where('region', '=', principal.region)
    .executeTakeFirst();
  if (!network) throw notFound(`Network ${networkId} was not found.`);

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
  if (query.status) q = q.where('status', '=', query.status as OutboxRow['status']);
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
