import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * Sessions of the web console, in the database so that any replica behind a load balancer
 * can serve any request of a signed-in administrator. The cookie holds a random token; only
 * its SHA-256 is stored, so a copy of the database does not hand out live sessions.
 * The outbox index serves the console's Invitations page (a network's messages, newest
 * first, paged by id) without scanning other networks' mail.
 */
export const consoleSessions: MigrationFactory = (engine) => {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('console_sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('access_key_id', 'text', (c) =>
          c.notNull().references('access_keys.access_key_id').onDelete('cascade'),
        )
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('console_sessions_key')
        .on('console_sessions')
        .column('access_key_id')
        .execute();
      await db.schema
        .createIndex('console_sessions_expiry')
        .on('console_sessions')
        .column('expires_at')
        .execute();
      await db.schema
        .createIndex('outbox_network_id')
        .on('outbox')
        .columns(['network_id', 'id'])
        .execute();
    },
  };
};
