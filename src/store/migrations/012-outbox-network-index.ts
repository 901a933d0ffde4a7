import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * `outbox_network (network_id)` (migration 008) is a prefix of `outbox_network_id (network_id,
 * id)` (migration 011), which serves every query and foreign-key check the first served: one
 * index fewer to write for each queued e-mail (BatchCreateUser, BatchReinviteUser).
 */
export const outboxNetworkIndex: MigrationFactory = () => ({
  async up(db: Kysely<any>) {
    await db.schema.dropIndex('outbox_network').ifExists().execute();
  },
});
