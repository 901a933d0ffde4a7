/** The security_groups table's owner: groups are created, changed and deleted here only. */
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, SecurityGroupsTable } from '../../store/schema.js';
import { leaveGroup } from './members.js';

type Db = Kysely<Database>;

export async function insertGroup(db: Db, row: Insertable<SecurityGroupsTable>): Promise<void> {
  await db.insertInto('security_groups').values(row).execute();
}

export type GroupPatch = Pick<Updateable<SecurityGroupsTable>, 'name' | 'settings' | 'modified'>;

export async function patchGroup(
  db: Db,
  networkId: string,
  groupId: string,
  patch: GroupPatch,
): Promise<void> {
  await db
    .updateTable('security_groups')
    .set(patch)
    .where('network_id', '=', networkId)
    .where('group_id', '=', groupId)
    .execute();
}

/** Deletes a group; its members move to `fallback` when it was their only one. */
export async function deleteGroup(
  db: Db,
  networkId: string,
  groupId: string,
  fallback: string,
): Promise<void> {
  await leaveGroup(db, networkId, groupId, fallback);
  await db
    .deleteFrom('security_groups')
    .where('network_id', '=', networkId)
    .where('group_id', '=', groupId)
    .execute();
}
