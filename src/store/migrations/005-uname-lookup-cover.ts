import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * BatchLookupUserUname reads only the username of each uname: with the username in the index
 * the lookup never visits the table, which halves the pages a lookup touches and keeps its cost
 * from growing with the network (the unique (network_id, uname) index stays the constraint).
 */
export const unameLookupCover: MigrationFactory = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('members_uname_username')
      .on('members')
      .columns(['network_id', 'uname', 'username'])
      .execute();
  },
});
