// Checks shared by the tests of the lookup's tenancy read (change-probe, coalesce).
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/store/schema.js';
import type { NetworkVersionOfAccount } from '../../src/store/tenancy.js';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';

/** Inside a transaction the read sees the transaction's own uncommitted version: a query ran. */
export async function expectOwnVersionInTransaction(
  db: Kysely<Database>,
  read: NetworkVersionOfAccount,
  networkId: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('networks')
      .set({ lookup_version: 4242 })
      .where('network_id', '=', networkId)
      .execute();
    const [row] = await read(trx, networkId, ACCOUNT, REGION);
    expect(Number(row!.lookup_version)).toBe(4242);
  });
}
