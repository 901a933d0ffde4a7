import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * Outbox rows by member: a reinvite supersedes the member's unsent invitations and a deleted
 * user's are withdrawn. Without this index both scanned every pending e-mail, so a reinvite
 * got slower with each e-mail waiting in the outbox.
 */
export const outboxByMember: MigrationFactory = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('outbox_member')
      .on('outbox')
      .columns(['member_id', 'status'])
      .execute();
  },
});
