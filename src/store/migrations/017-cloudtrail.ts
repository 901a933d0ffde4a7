import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * The audit trail as CloudTrail events (issue 27), expand only:
 * - `audit_log` gains what an event holds beyond the record: its event ID, the key owner's
 *   name (`userIdentity.userName`) and the answer's members (`responseElements`). All nullable:
 *   rows the previous release writes leave them empty (their event ID is then derived from the
 *   request's, audit/cloudtrail.ts).
 * - Indexes for LookupEvents' attributes, each ending with the trail's order (`at`, then `id`):
 *   a page of one attribute in a time range is one index range read backwards.
 * - `trail_sinks` (webhooks, log-file directories) and `trail_deliveries` (one row per event
 *   and sink, written in the audit record's transaction: the durable queue the delivery worker
 *   leases from).
 */
export const cloudtrail: MigrationFactory = (engine) => {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  const serial = engine === 'postgres' ? 'bigserial' : 'integer';
  const id = (c: any) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement());
  return {
    async up(db: Kysely<any>) {
      for (const column of ['event_id', 'user_name', 'response']) {
        await db.schema.alterTable('audit_log').addColumn(column, 'text').execute();
      }
      const indexes: [string, string][] = [
        ['audit_log_event', 'event_id'],
        ['audit_log_operation', 'operation'],
        ['audit_log_key', 'access_key_id'],
        ['audit_log_user', 'user_name'],
      ];
      for (const [name, column] of indexes) {
        await db.schema
          .createIndex(name)
          .ifNotExists()
          .on('audit_log')
          .columns(column === 'event_id' ? [column] : [column, 'at', 'id'])
          .execute();
      }
      await db.schema
        .createTable('trail_sinks')
        .ifNotExists()
        .addColumn('id', serial, id)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('secret', 'text')
        .addColumn('pattern', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('trail_deliveries')
        .ifNotExists()
        .addColumn('id', serial, id)
        .addColumn('sink_id', big, (c) => c.notNull())
        .addColumn('audit_id', big, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', big, (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('delivered_at', big)
        .addColumn('last_error', 'text')
        .execute();
      await db.schema
        .createIndex('trail_deliveries_due')
        .ifNotExists()
        .on('trail_deliveries')
        .columns(['status', 'next_attempt_at', 'id'])
        .execute();
      await db.schema
        .createIndex('trail_deliveries_sink')
        .ifNotExists()
        .on('trail_deliveries')
        .columns(['sink_id', 'status'])
        .execute();
    },
  };
};
