// A bare network row (the networks owner's defaults), for tests of the store that need a
// network and nothing of the API.
import type { Kysely } from 'kysely';
import { newNetwork } from '../../src/domain/owners/networks.js';
import type { Database } from '../../src/store/schema.js';

export function insertNetworkRow(
  db: Kysely<Database>,
  networkId: string,
  accountId = '000000000000',
): Promise<unknown> {
  const row = newNetwork(
    {
      networkId,
      accountId,
      region: 'us-east-1',
      name: 'n',
      accessLevel: 'STANDARD',
      unameKey: '00',
    },
    0,
  );
  return db.insertInto('networks').values(row).execute();
}
