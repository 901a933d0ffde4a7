import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * The limits replicas share (pipeline/shared-limits.ts): the console's sign-in lockouts (per
 * address and per access key) and the invitee endpoints' token buckets (per address, per user
 * or bot). One row per counted thing, updated by one atomic statement each.
 */
export const limitCounters: MigrationFactory = (engine) => {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  const real = engine === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('limit_counters')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('count', real, (c) => c.notNull())
        .addColumn('at', big, (c) => c.notNull())
        .addColumn('until', big, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('limit_counters_at')
        .ifNotExists()
        .on('limit_counters')
        .column('at')
        .execute();
    },
  };
};
