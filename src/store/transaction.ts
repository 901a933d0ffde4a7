/**
 * Transactions and the conflicts that a retry resolves: what the database says when two
 * requests race (a unique violation, a serialization failure, a deadlock).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

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
