/**
 * The data_retention table's owner: a network's data-retention bot and the state of its
 * service (the rules live in domain/data-retention.ts). The bot's sign-in (domain/bots.ts)
 * registers it here too.
 */
import type { Kysely, Updateable } from 'kysely';
import type { Database, DataRetentionTable } from '../../store/schema.js';

type Db = Kysely<Database>;

/** A new data-retention bot: unregistered, unacknowledged, its service disabled. */
export async function insertDataRetention(
  db: Db,
  row: { network_id: string; member_id: number; bot_name: string },
  now: number,
): Promise<void> {
  await db
    .insertInto('data_retention')
    .values({
      ...row,
      challenge_issued_at: null,
      registered: 0,
      registered_at: null,
      pubkey_msg_acked: 0,
      pubkey_msg_acked_at: null,
      service_enabled: 0,
      service_changed_at: null,
      created_at: now,
      modified: now,
    })
    .execute();
}

/** Columns a change may set (the network, the bot and its name never change). */
export type DataRetentionPatch = Pick<
  Updateable<DataRetentionTable>,
  | 'challenge_issued_at'
  | 'pubkey_msg_acked'
  | 'pubkey_msg_acked_at'
  | 'service_enabled'
  | 'service_changed_at'
  | 'modified'
>;

export async function patchDataRetention(
  db: Db,
  networkId: string,
  patch: DataRetentionPatch,
): Promise<void> {
  await db.updateTable('data_retention').set(patch).where('network_id', '=', networkId).execute();
}

/** A bot signed in: if it is a data-retention bot not registered yet, it is now. */
export async function registerDataRetentionBot(
  db: Db,
  memberId: number,
  now: number,
): Promise<void> {
  await db
    .updateTable('data_retention')
    .set({ registered: 1, registered_at: now, modified: now })
    .where('member_id', '=', memberId)
    .where('registered', '=', 0)
    .execute();
}

export async function deleteDataRetention(db: Db, networkId: string): Promise<void> {
  await db.deleteFrom('data_retention').where('network_id', '=', networkId).execute();
}
