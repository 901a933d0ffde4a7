import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';
import type { MigrationFactory } from './migration.js';

/**
 * Two times the console's pages show and nothing kept: when an access key was last used (the
 * Access keys page; written at most once a minute per key, auth/key-use.ts), and when a user
 * registered (the Dashboard's registrations per day; set by the members owner's `activated`).
 * Both nullable: rows from before stay unknown rather than guessed, and the previous release's
 * inserts, which do not name them, still work.
 */
export const keyUseRegistrations: MigrationFactory = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    const big = engine === 'postgres' ? 'bigint' : 'integer';
    await db.schema.alterTable('access_keys').addColumn('last_used_at', big).execute();
    await db.schema.alterTable('members').addColumn('registered_at', big).execute();
  },
});
