import { sql, type Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * Access keys get an owner name, as IAM users' keys have: ListBlockedGuestUsers reports "the
 * username of the administrator who blocked", and the audit trail names who acted. Keys made
 * before had no owner; they act with the account's full authority, like an AWS account's root
 * credentials, so they belong to "root". Blocks recorded with a key ID name that key's owner.
 */
export const keyOwners: MigrationFactory = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('access_keys')
      .addColumn('user_name', 'text', (c) => c.notNull().defaultTo('root'))
      .execute();
    await sql`UPDATE guest_blocks SET admin = 'root'
      WHERE admin IN (SELECT access_key_id FROM access_keys)`.execute(db);
  },
});
