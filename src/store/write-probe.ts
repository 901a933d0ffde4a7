/**
 * Whether the database takes writes: one small committed write (the only writer of
 * `health_probe`). A full disk, a read-only file system or a PostgreSQL standby fails it as
 * it fails the requests' writes; readiness (surfaces/health) calls it at most every few seconds.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export async function probeWrite(db: Kysely<Database>, now: number): Promise<void> {
  await db
    .insertInto('health_probe')
    .values({ name: 'readiness', probed_at: now })
    .onConflict((c) => c.column('name').doUpdateSet({ probed_at: now }))
    .execute();
}
