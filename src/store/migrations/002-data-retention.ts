import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * The data-retention bot of each network and the state of its service. The bot itself is a
 * row of `members` (kind 'bot'); its challenge hash lives there too, where the bot sign-in
 * endpoint verifies it. This table holds what only the data-retention state machine needs.
 */
export const dataRetention: MigrationFactory = (engine) => {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('data_retention')
        .addColumn('network_id', 'text', (c) =>
          c.primaryKey().references('networks.network_id').onDelete('cascade'),
        )
        .addColumn('member_id', big, (c) =>
          c.notNull().references('members.member_id').onDelete('cascade'),
        )
        .addColumn('bot_name', 'text', (c) => c.notNull())
        .addColumn('challenge_issued_at', big)
        .addColumn('registered', 'integer', (c) => c.notNull())
        .addColumn('registered_at', big)
        .addColumn('pubkey_msg_acked', 'integer', (c) => c.notNull())
        .addColumn('pubkey_msg_acked_at', big)
        .addColumn('service_enabled', 'integer', (c) => c.notNull())
        .addColumn('service_changed_at', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('modified', big, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('data_retention_member')
        .unique()
        .on('data_retention')
        .columns(['member_id'])
        .execute();
    },
  };
};
