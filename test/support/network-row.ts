// A bare network row, for tests of the store that need a network and nothing of the API.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

export function insertNetworkRow(
  db: Kysely<Database>,
  networkId: string,
  accountId = '000000000000',
): Promise<unknown> {
  return db
    .insertInto('networks')
    .values({
      network_id: networkId,
      account_id: accountId,
      region: 'us-east-1',
      network_name: 'n',
      access_level: 'STANDARD',
      encryption_key_arn: null,
      standing: 1,
      free_trial_expiration: null,
      migration_state: 0,
      uname_key: '00',
      settings: '{}',
      created_at: 0,
    })
    .execute();
}
