/**
 * The guest tables' owner: guest_users (a guest seen in a network, per billing period) and
 * guest_blocks (the guests an administrator blocked). Both go with their network (ON DELETE
 * CASCADE). A guest is known by its username hash, the network's keyed hash of the username
 * (the same function as a member's uname), derived here.
 */
import type { Insertable, Kysely } from 'kysely';
import type { Database, GuestBlocksTable, GuestUsersTable } from '../../store/schema.js';
import { unameOf } from '../member-identity.js';
import type { NetworkKeys } from './members.js';

type Db = Kysely<Database>;

/** Who a guest is in a network: its username and the network's keyed hash of it. */
export function guestOf(network: NetworkKeys, username: string) {
  return {
    network_id: network.network_id,
    username_hash: unameOf(network.uname_key, username),
    username,
  };
}

/** A guest's row for a billing period (YYYY-MM), seen first and last at `now`. */
export function newGuest(
  network: NetworkKeys,
  username: string,
  billingPeriod: string,
  now: number,
): Insertable<GuestUsersTable> {
  return {
    ...guestOf(network, username),
    billing_period: billingPeriod,
    username_lc: username.toLowerCase(),
    first_seen: now,
    last_seen: now,
  };
}

/** A block of a guest, by the administrator named `admin`. */
export function newGuestBlock(
  guest: { network_id: string; username_hash: string; username: string },
  admin: string,
  now: number,
): Insertable<GuestBlocksTable> {
  return { ...guest, username_lc: guest.username.toLowerCase(), admin, modified: now };
}

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
