import type { Kysely } from 'kysely';
import type { MigrationFactory } from './migration.js';

/**
 * Refusals of unauthenticated requests (unsigned calls, wrong invite codes, failed sign-ins)
 * repeated from one address fold into the first record of their minute: `repeats` counts the
 * refusals folded into a record after it (audit/trail.ts).
 */
export const auditRepeats: MigrationFactory = () => ({
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('audit_log')
      .addColumn('repeats', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
});
