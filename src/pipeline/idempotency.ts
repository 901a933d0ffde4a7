/**
 * X-Client-Token: the first request with a token runs in a transaction that also records the
 * token and, at the end, the exact response JSON. A retry replays that JSON and does nothing.
 * Concurrent requests with one token serialize on the record's primary key: the loser's
 * transaction fails with a unique violation, rolls back, and on retry finds the stored answer.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import { badRequest } from '../protocol/errors.js';

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

/**
 * Conflicts that a fresh attempt of the same transaction resolves (it then sees the winner's
 * rows). A foreign-key violation is one: the network (or member) the transaction read was
 * deleted by a concurrent one before its insert, and the retry answers ResourceNotFoundError.
 */
export function isRetryableConflict(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return (
    isUniqueViolation(e) ||
    code === '40001' ||
    code === '40P01' ||
    code === '23503' ||
    code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  );
}

/**
 * Runs `fn` in a transaction, again (up to a few times) when it lost a race to a concurrent
 * one: e.g. two requests creating the same username on PostgreSQL. The retry sees the
 * committed winner and answers as if the requests had been serialized.
 */
export async function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (e) {
      if (attempt < 5 && isRetryableConflict(e)) continue;
      throw e;
    }
  }
}

export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '23505' ||
    err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

export async function runIdempotent(
  db: Kysely<Database>,
  key: { accountId: string; token: string; operation: string; fingerprint: string },
  execute: (trx: Transaction<Database>) => Promise<unknown>,
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
    const json = JSON.stringify(await execute(trx));
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
