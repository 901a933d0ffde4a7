/**
 * The networks table's owner: a network is created (its ID allocated for ever, its uname key
 * drawn, its settings stored as JSON over the defaults), renamed, its settings written, and
 * deleted with all it holds.
 */
import { randomBytes } from 'node:crypto';
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database, NetworksTable } from '../../store/schema.js';
import { digits } from '../common.js';
import { DEFAULT_NETWORK_SETTINGS, type NetworkSettings } from '../network-settings.js';
import { allocateId, registerId } from './id-registry.js';
import { deleteNetworkMemberships } from './members.js';
import { deleteNetworkOutbox } from './outbox.js';

type Db = Kysely<Database>;

/** networks.migration_state, as GetNetwork documents it. */
export const MIGRATION_STATE = { NOT_STARTED: 0, IN_PROGRESS: 1, COMPLETED: 2 } as const;
/** networks.standing: every network this server makes is in good standing. */
export const STANDING = { GOOD: 1 } as const;

export interface NetworkStart {
  /** A fixture's explicit ID; allocated otherwise. */
  networkId?: string;
  accountId: string;
  region: string;
  name: string;
  accessLevel: 'STANDARD' | 'PREMIUM';
  encryptionKeyArn?: string | null;
  /** Epoch ms; null (the default) without a premium trial. */
  freeTrialExpiration?: number | null;
  /** A fixture's explicit uname key (hex); drawn otherwise. */
  unameKey?: string;
  /** Changes from the default settings. */
  settings?: Partial<NetworkSettings>;
}

export type NewNetwork = Omit<Insertable<NetworksTable>, 'lookup_version'>;

/** A new network's row. */
export function newNetwork(n: NetworkStart & { networkId: string }, now: number): NewNetwork {
  return {
    network_id: n.networkId,
    account_id: n.accountId,
    region: n.region,
    network_name: n.name,
    access_level: n.accessLevel,
    encryption_key_arn: n.encryptionKeyArn ?? null,
    standing: STANDING.GOOD,
    free_trial_expiration: n.freeTrialExpiration ?? null,
    // This server has no SSO redirect migration wizard (docs/api.md, migration-state).
    migration_state: MIGRATION_STATE.NOT_STARTED,
    // The key of the network's unames (member-identity.ts): 32 random bytes, never changed.
    uname_key: n.unameKey ?? randomBytes(32).toString('hex'),
    settings: JSON.stringify({ ...DEFAULT_NETWORK_SETTINGS, ...n.settings }),
    created_at: now,
  };
}

/** Creates a network, its ID registered so that it is never handed out again; returns its row. */
export async function createNetwork(db: Db, n: NetworkStart, now: number): Promise<NewNetwork> {
  let networkId = n.networkId;
  if (networkId !== undefined) await registerId(db, 'network', networkId);
  else networkId = await allocateId(db, 'network', digits(8));
  const row = newNetwork({ ...n, networkId }, now);
  await db.insertInto('networks').values(row).execute();
  return row;
}

/** Columns a change may set (identity, tenancy and the uname key never change). */
export type NetworkPatch = Pick<
  Updateable<NetworksTable>,
  'network_name' | 'encryption_key_arn' | 'access_level' | 'free_trial_expiration'
>;

export async function patchNetwork(db: Db, networkId: string, patch: NetworkPatch): Promise<void> {
  await db.updateTable('networks').set(patch).where('network_id', '=', networkId).execute();
}

/** The network's settings, stored whole as one JSON document. */
export async function writeNetworkSettings(
  db: Db,
  networkId: string,
  settings: NetworkSettings,
): Promise<void> {
  await db
    .updateTable('networks')
    .set({ settings: JSON.stringify(settings) })
    .where('network_id', '=', networkId)
    .execute();
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
