/**
 * The guest tables' owner: guest_users (a guest seen in a network, per billing period) and
 * guest_blocks (the guests an administrator blocked). Both go with their network (ON DELETE
 * CASCADE).
 */
import type { Insertable, Kysely } from 'kysely';
import type { Database, GuestBlocksTable, GuestUsersTable } from '../../store/schema.js';

type Db = Kysely<Database>;

/** A guest's activity: the period's row is created, or its `last_seen` moves on. */
export async function recordGuestSeen(db: Db, row: Insertable<GuestUsersTable>): Promise<void> {
  await db
    .insertInto('guest_users')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['network_id', 'username_hash', 'billing_period'])
        .doUpdateSet({ last_seen: row.last_seen }),
    )
    .execute();
}

/** A guest's period row that must not exist yet (the fixture seed's fresh network). */
export async function insertGuest(db: Db, row: Insertable<GuestUsersTable>): Promise<void> {
  await db.insertInto('guest_users').values(row).execute();
}

export async function blockGuest(db: Db, row: Insertable<GuestBlocksTable>): Promise<void> {
  await db.insertInto('guest_blocks').values(row).execute();
}

export async function unblockGuest(db: Db, networkId: string, usernameHash: string): Promise<void> {
  await db
    .deleteFrom('guest_blocks')
    .where('network_id', '=', networkId)
    .where('username_hash', '=', usernameHash)
    .execute();
}
