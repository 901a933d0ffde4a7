/**
 * X-Client-Token: the first request with a token runs in a transaction that also records the
 * token and, at the end, the exact response JSON. A retry replays that JSON and does nothing.
 * Concurrent requests with one token serialize on the record's primary key: the loser's
 * transaction fails with a unique violation, rolls back, and on retry finds the stored answer.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { badRequest } from '../contract/errors.js';
import type { Database } from '../store/schema.js';
import { inTransaction } from '../store/transaction.js';

export const TOKEN_RETENTION_MS = 48 * 60 * 60 * 1000;

export function fingerprint(operation: string, input: Record<string, unknown>): string {
  const { clientToken: _omit, ...rest } = input;
  return createHash('sha256')
    .update(operation)
    .update('\n')
    .update(canonicalJson(rest))
    .digest('hex');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export async function runIdempotent(
  db: Kysely<Database>,
  key: { accountId: string; token: string; operation: string; fingerprint: string },
  /** Runs the operation and returns its response JSON. */
  execute: (trx: Transaction<Database>) => Promise<string>,
  now: () => number,
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const existing = await trx
      .selectFrom('idempotency')
      .select(['operation', 'fingerprint', 'response'])
      .where('account_id', '=', key.accountId)
      .where('token', '=', key.token)
      .executeTakeFirst();
    if (existing) {
      if (existing.operation !== key.operation || existing.fingerprint !== key.fingerprint) {
        throw badRequest(
          `The client token "${key.token}" was already used with a different request` +
            (existing.operation !== key.operation ? ` (${existing.operation}).` : '.'),
        );
      }
      if (existing.response !== null) return existing.response;
    }
    await trx
      .insertInto('idempotency')
      .values({
        account_id: key.accountId,
        token: key.token,
        operation: key.operation,
        fingerprint: key.fingerprint,
        response: null,
        created_at: now(),
      })
      .execute();
    const json = await execute(trx);
    await trx
      .updateTable('idempotency')
      .set({ response: json })
      .where('account_id', '=', key.accountId)
      .where('token', '=', key.token)
      .execute();
    return json;
  });
}

export async function purgeExpiredTokens(db: Kysely<Database>, now: number): Promise<number> {
  const r = await db
    .deleteFrom('idempotency')
    .where('created_at', '<', now - TOKEN_RETENTION_MS)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Forgets every token, or one account's (the test controls' reset). */
export async function forgetTokens(db: Kysely<Database>, accountId?: string): Promise<void> {
  let q = db.deleteFrom('idempotency');
  if (accountId !== undefined) q = q.where('account_id', '=', accountId);
  await q.execute();
}
