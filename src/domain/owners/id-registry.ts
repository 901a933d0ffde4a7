/**
 * The id_registry's owner: every network and security-group ID ever handed out, so that an
 * ID is never reused, even after its resource is deleted.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { isUniqueViolation } from '../../store/transaction.js';

type Db = Kysely<Database>;

/**
 * Allocates a random ID of a kind, registered forever so that it is never handed out
 * again, even after its resource is deleted.
 */
export async function allocateId(db: Db, kind: string, generate: () => string): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const id = generate();
    const taken = await db
      .selectFrom('id_registry')
      .select('id')
      .where('kind', '=', kind)
      .where('id', '=', id)
      .executeTakeFirst();
    if (taken) continue;
    try {
      await db.insertInto('id_registry').values({ kind, id }).execute();
      return id;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
  }
  throw new Error(`Could not allocate a ${kind} ID`);
}

/** Registers an ID chosen by the caller (a fixture's); one already registered stays so. */
export async function registerId(db: Db, kind: string, id: string): Promise<void> {
  await db
    .insertInto('id_registry')
    .values({ kind, id })
    .onConflict((oc) => oc.columns(['kind', 'id']).doNothing())
    .execute();
}

/**
 * Forgets every ID handed out: only a whole reset of the test controls does this, when no
 * resource that held one is left.
 */
export async function forgetAllIds(db: Db): Promise<void> {
  await db.deleteFrom('id_registry').execute();
}
