// PostgreSQL ends idle pooled connections on a restart, a failover, `pg_terminate_backend` or a
// proxy's idle timeout. node-postgres reports each as an 'error' event on the pool, which
// ends the process unless someone listens: the store must listen, say so, and carry on.
import { sql } from 'kysely';
import pg from 'pg';
import { expect, it } from 'vitest';
import { openStore } from '../src/store/database.js';
import { createTestDatabase } from './support/postgres.mjs';

it('a PostgreSQL store outlives the server ending its idle connections', async () => {
  const database = await createTestDatabase();
  const lost: Error[] = [];
  const store = await openStore(database.url, { onConnectionLost: (e) => lost.push(e) });
  const other = new pg.Client({ connectionString: database.url });
  try {
    await other.connect();
    // Three connections at once, then idle in the pool.
    await Promise.all([1, 2, 3].map(() => sql`SELECT pg_sleep(0.05)`.execute(store.db)));
    const { rows } = await other.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 100 && lost.length < rows.length; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(lost).toHaveLength(rows.length);
    expect(lost[0]!.message).toMatch(/terminating connection/);
    // The pool opens new connections for the next queries.
    const again = await sql<{ one: number }>`SELECT 1 AS one`.execute(store.db);
    expect(again.rows).toEqual([{ one: 1 }]);
  } finally {
    await other.end();
    await store.close();
    await database.drop();
  }
});
