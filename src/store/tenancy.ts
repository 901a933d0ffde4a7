/**
 * The tenancy query: a network by ID, only if it belongs to the account and region. Run once
 * per network-scoped request (with lookup_version, which the uname cache checks), so it is
 * compiled once per database handle.
 */
import type { Kysely } from 'kysely';
import { prepare, type Prepared } from './compiled.js';
import type { Database, NetworkRow } from './schema.js';

export type NetworkOfAccount = Prepared<
  [networkId: string, accountId: string, region: string],
  NetworkRow
>;

export function prepareNetworkOfAccount(db: Kysely<Database>): NetworkOfAccount {
  return prepare(db, (d) =>
    d
      .selectFrom('networks')
      .selectAll()
      .where('network_id', '=', '')
      .where('account_id', '=', '')
      .where('region', '=', ''),
  );
}

export type NetworkVersionOfAccount = Prepared<
  [networkId: string, accountId: string, region: string],
  Pick<NetworkRow, 'network_id' | 'lookup_version'>
>;

/** The same check reading only the network's ID and lookup version (the lookup's hot path). */
export function prepareNetworkVersionOfAccount(db: Kysely<Database>): NetworkVersionOfAccount {
  return prepare(db, (d) =>
    d
      .selectFrom('networks')
      .select(['network_id', 'lookup_version'])
      .where('network_id', '=', '')
      .where('account_id', '=', '')
      .where('region', '=', ''),
  );
}
