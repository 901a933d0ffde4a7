/**
 * Transactions and the conflicts that a retry resolves: what the database says when two
 * requests race (a unique violation, a serialization failure, a deadlock).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { DatabaseUnavailable } from './pg-pool.js';

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
 *
 * A PostgreSQL connection lost mid-transaction: until COMMIT is sent, PostgreSQL rolls the
 * transaction back with its connection, so it is run again (twice at most) on a new one. Once
 * COMMIT is sent its outcome is unknown (the commit may have happened just before the
 * connection went): never run again here, where it could be applied twice; the caller gets a
 * retryable InternalServerError that says so. A client retrying with the same X-Client-Token
 * (botocore fills one in for every operation that takes it) then gets the stored answer if the
 * commit did happen, and the change made once if it did not.
 */
export async function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let committing = false;
    try {
      return await db.transaction().execute(async (trx) => {
        const result = await fn(trx);
        committing = true;
        return result;
      });
    } catch (e) {
      if (attempt < 5 && isRetryableConflict(e)) continue;
      if (e instanceof DatabaseUnavailable) {
        // `fn` returned, so this is the COMMIT (or the rollback after it, which reports it).
        if (committing && e.uncertain) throw commitOutcomeUnknown(e);
        if (attempt < 2) continue;
      }
      throw e;
    }
  }
}

const commitOutcomeUnknown = (e: DatabaseUnavailable) =>
  new DatabaseUnavailable(
    e.cause,
    true,
    'The database connection was lost while the change was being committed: it may or may ' +
      'not have been made. Retry with the same X-Client-Token to be answered as the first ' +
      'attempt was.',
  );

export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '23505' ||
    err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
