/** The networks table's owner: created, renamed, settings written, deleted with all it holds. */
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, NetworksTable } from '../../store/schema.js';
import { deleteNetworkMemberships } from './members.js';
import { deleteNetworkOutbox } from './outbox.js';

type Db = Kysely<Database>;

export async function insertNetwork(
  db: Db,
  row: Omit<Insertable<NetworksTable>, 'lookup_version'>,
): Promise<void> {
  await db.insertInto('networks').values(row).execute();
}

/** Columns a change may set (identity, tenancy and the uname key never change). */
export type NetworkPatch = Pick<
  Updateable<NetworksTable>,
  'network_name' | 'encryption_key_arn' | 'settings' | 'access_level' | 'free_trial_expiration'
>;

export async function patchNetwork(db: Db, networkId: string, patch: NetworkPatch): Promise<void> {
  await db.updateTable('networks').set(patch).where('network_id', '=', networkId).execute();
}

/**
 * Deletes a network: security groups, users, bots, devices and the rest go with it (ON
 * DELETE CASCADE); memberships and the outbox, which have no such key, are deleted first.
 */
export async function deleteNetwork(db: Db, networkId: string): Promise<void> {
  await deleteNetworks(db, [networkId]);
}

/** Deletes networks as deleteNetwork does, many at once (the test controls' reset). */
export async function deleteNetworks(db: Db, networkIds: readonly string[]): Promise<void> {
  // Kept well under both engines' bound-parameter limits.
  for (let i = 0; i < networkIds.length; i += 500) {
    const chunk = networkIds.slice(i, i + 500);
    await deleteNetworkMemberships(db, chunk);
    await deleteNetworkOutbox(db, chunk);
    await db.deleteFrom('networks').where('network_id', 'in', chunk).execute();
  }
}
