import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * The audit trail: one row per Admin API change (written in the change's own transaction),
 * per refused call (401, 403), per console sign-in and per invitee request. Append-only
 * apart from the retention purge, which deletes by `at`.
 */
export const audit: MigrationFactory = (engine) => {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  const serial = engine === 'postgres' ? 'bigserial' : 'integer';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_log')
        .addColumn('id', serial, (c) =>
          engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('at', big, (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('access_key_id', 'text')
        .addColumn('account_id', 'text')
        .addColumn('region', 'text')
        .addColumn('source_ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('network_id', 'text')
        .addColumn('parameters', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error_name', 'text')
        .addColumn('error_message', 'text')
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at']).execute();
      await db.schema
        .createIndex('audit_log_network')
        .on('audit_log')
        .columns(['network_id', 'at'])
        .execute();
    },
  };
};
