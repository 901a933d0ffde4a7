/**
 * The security_groups table's owner: groups are created, changed and deleted here only. It
 * builds a new group's row (its ID allocated for ever, the default settings, the stored JSON)
 * and deletes a group with its memberships moved to the network's default group.
 */
import type { Insertable, Kysely } from 'kysely';
import type { Database, SecurityGroupsTable } from '../../store/schema.js';
import { opaqueId } from '../common.js';
import { DEFAULT_SECURITY_GROUP_SETTINGS, type Settings } from '../security-group-settings.js';
import { allocateId, registerId } from './id-registry.js';
import { leaveGroup } from './members.js';

type Db = Kysely<Database>;

/** The name of the group every network is created with. */
export const DEFAULT_GROUP_NAME = 'Default';

export interface GroupStart {
  networkId: string;
  /** A fixture's explicit ID; allocated otherwise. */
  groupId?: string;
  name: string;
  isDefault?: boolean;
  /** Already judged by the rules (nextSettings); the defaults otherwise. */
  settings?: Settings;
}

/** A new group's row. */
export function newGroup(
  g: GroupStart & { groupId: string },
  now: number,
): Insertable<SecurityGroupsTable> {
  return {
    network_id: g.networkId,
    group_id: g.groupId,
    name: g.name,
    is_default: g.isDefault ? 1 : 0,
    settings: JSON.stringify(g.settings ?? DEFAULT_SECURITY_GROUP_SETTINGS),
    active_directory_guid: null,
    created_at: now,
    modified: now,
  };
}

/** Creates a group, its ID registered so that it is never handed out again; returns the ID. */
export async function createGroup(db: Db, g: GroupStart, now: number): Promise<string> {
  let groupId = g.groupId;
  if (groupId !== undefined) await registerId(db, 'security-group', groupId);
  else groupId = await allocateId(db, 'security-group', opaqueId(8));
  await db
    .insertInto('security_groups')
    .values(newGroup({ ...g, groupId }, now))
    .execute();
  return groupId;
}

/** What a change may set: the name, the (judged) settings; `modified` follows. */
export interface GroupPatch {
  name?: string;
  settings?: Settings;
}

export async function patchGroup(
  db: Db,
  networkId: string,
  groupId: string,
  patch: GroupPatch,
  now: number,
): Promise<void> {
  await db
    .updateTable('security_groups')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.settings !== undefined ? { settings: JSON.stringify(patch.settings) } : {}),
      modified: now,
    })
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
