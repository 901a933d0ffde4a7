import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * One row that GET /health/ready writes (write-probe.ts): a database that cannot take this
 * write (a full disk, a read-only file system, a PostgreSQL standby after a failover) cannot
 * take the requests' writes either, and the replica says it is not ready.
 */
export const healthProbe: MigrationFactory = (engine) => {
  const big = engine === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('health_probe')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('probed_at', big, (c) => c.notNull())
        .execute();
    },
  };
};
