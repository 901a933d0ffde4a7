/**
 * Health endpoints for load balancers (docs/operations.md#health): `/health/live` while the
 * process answers; `/health/ready` (and `/health`) 503 with a reason while the database cannot
 * take writes, while the server migrates its database at start, and while it drains for a
 * shutdown; and the write probe behind readiness runs at most once per interval, one at a time.
 */
import { createServer } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { ReadinessCheck } from '../src/surfaces/health/readiness.js';
import { answerOf } from './support/admin-call.js';
import { createTestDatabase } from './support/postgres.mjs';

async function health(server: Pick<EmbeddedServer, 'endpoint'>, path: string) {
  const res = await fetch(`${server.endpoint}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `path` until its status is `status` (a probe's answer stands for its interval). */
async function until(server: Pick<EmbeddedServer, 'endpoint'>, path: string, status: number) {
  let last = await health(server, path);
  for (let i = 0; i < 100 && last.status !== status; i++) {
    await new Promise((r) => setTimeout(r, 50));
    last = await health(server, path);
  }
  return last;
}

const ENGINES = ['sqlite', 'postgres'] as const;

describe.each(ENGINES)('readiness on %s', (engine) => {
  it('is 503 with a reason while the database cannot take writes, and live all along', async () => {
    const database = engine === 'postgres' ? await createTestDatabase() : undefined;
    const server = await startEmbedded({
      env: {},
      readinessProbeMs: 50,
      ...(database ? { databaseUrl: database.url } : {}),
    });
    const admin = database ? new pg.Client({ connectionString: database.url }) : undefined;
    /** Makes every write fail (SQLite: query_only; PostgreSQL: read-only sessions, as a standby's). */
    const readOnly = async (on: boolean) => {
      if (!admin) {
        await sql.raw(`PRAGMA query_only = ${on ? 'ON' : 'OFF'}`).execute(server.server.store.db);
        return;
      }
      const db = new URL(database!.url).pathname.slice(1);
      await admin.query(
        `ALTER DATABASE ${db} ${on ? 'SET default_transaction_read_only = on' : 'RESET default_transaction_read_only'}`,
      );
      // The server's connections are replaced by sessions with the new default.
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
    };
    try {
      await admin?.connect();
      expect(await health(server, '/health/live')).toEqual({
        status: 200,
        body: { status: 'live' },
      });
      expect(await health(server, '/health/ready')).toEqual({
        status: 200,
        body: { status: 'ready' },
      });
      expect(await health(server, '/health')).toEqual({ status: 200, body: { status: 'ok' } });

      await readOnly(true);
      const down = await until(server, '/health/ready', 503);
      expect(down.status).toBe(503);
      expect(down.body['status']).toBe('not ready');
      expect(down.body['reason']).toMatch(/^the database cannot take writes: .*read-?only/);
      expect((await health(server, '/health')).status).toBe(503);
      expect((await health(server, '/health/live')).status).toBe(200);
      // Writes really fail meanwhile (what readiness is for); reads work.
      expect(
        (await answerOf(server, 'CreateNetwork', { networkName: 'nope', accessLevel: 'STANDARD' }))
          .status,
      ).toBe(500);
      expect((await answerOf(server, 'ListNetworks', {})).status).toBe(200);

      await readOnly(false);
      expect((await until(server, '/health/ready', 200)).body).toEqual({ status: 'ready' });
    } finally {
      await admin?.end();
      await server.close();
      await database?.drop();
    }
  });
});

describe('draining on shutdown', () => {
  it('answers not ready while still serving requests for WICKR_SHUTDOWN_DELAY_MS', async () => {
    const server = await startEmbedded({ env: {}, shutdownDelayMs: 1500 });
    const closed = server.close();
    try {
      const ready = await health(server, '/health/ready');
      expect(ready).toEqual({
        status: 503,
        body: { status: 'not ready', reason: 'draining: the server is shutting down' },
      });
      expect((await health(server, '/health/live')).status).toBe(200);
      expect((await answerOf(server, 'ListNetworks', {})).status).toBe(200);
    } finally {
      await closed;
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The advisory lock Kysely's PostgreSQL adapter holds while it migrates. */
const MIGRATION_LOCK = '3853314791062309107';

describe('migrating at start', () => {
  // PostgreSQL: its migration waits for the migration lock asynchronously, as behind another
  // replica's migration, so the test can hold it there.
  it('answers live, not ready ("migrating") and a retryable 500 until migrated', async () => {
    const database = await createTestDatabase();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    let starting: Promise<EmbeddedServer> | undefined;
    try {
      // A database one migration behind.
      await startEmbedded({ env: {}, databaseUrl: database.url }).then((s) => s.close());
      await admin.query('DROP TABLE health_probe');
      await admin.query(`DELETE FROM kysely_migration WHERE name = '013-health-probe'`);
      // Another replica's migration holds the lock: Kysely's migrator takes a session-level
      // advisory lock on PostgreSQL (its number is Kysely's own, fixed in its adapter).
      await admin.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);

      const port = await freePort();
      const endpoint = `http://127.0.0.1:${port}`;
      starting = startEmbedded({ env: {}, databaseUrl: database.url, port });
      starting.catch(() => undefined);
      let live = 0;
      for (let i = 0; i < 200 && live !== 200; i++) {
        live = await fetch(`${endpoint}/health/live`).then(
          (r) => r.status,
          () => 0,
        );
        if (live !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(live).toBe(200);
      expect(await health({ endpoint }, '/health/ready')).toEqual({
        status: 503,
        body: { status: 'not ready', reason: 'migrating the database' },
      });
      const api = await fetch(`${endpoint}/networks`);
      expect(api.status).toBe(500);
      expect(api.headers.get('x-amzn-errortype')).toBe('InternalServerError');
      expect(api.headers.get('retry-after')).toBe('1');

      await admin.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
      const server = await starting;
      try {
        expect(server.endpoint).toBe(endpoint);
        expect((await until(server, '/health/ready', 200)).body).toEqual({ status: 'ready' });
        expect((await answerOf(server, 'ListNetworks', {})).status).toBe(200);
      } finally {
        await server.close();
      }
    } finally {
      await admin.end();
      await database.drop();
    }
  });
});

describe('the write probe behind readiness', () => {
  it('runs once per interval however many ask, and a hung one is not repeated', async () => {
    let now = 0;
    let probes = 0;
    let hang = false;
    const check = new ReadinessCheck({
      probe: () => {
        probes++;
        return hang ? new Promise<void>(() => undefined) : Promise.resolve();
      },
      intervalMs: 5000,
      timeoutMs: 100,
      now: () => now,
    });
    const many = await Promise.all(Array.from({ length: 50 }, () => check.check()));
    expect(many.every((r) => r.ready)).toBe(true);
    expect(probes).toBe(1);
    now += 4999;
    await check.check();
    expect(probes).toBe(1);
    now += 1;
    hang = true;
    const stuck = await Promise.all(Array.from({ length: 10 }, () => check.check()));
    expect(probes).toBe(2);
    expect(stuck.every((r) => !r.ready)).toBe(true);
    expect(stuck[0]).toEqual({
      ready: false,
      reason: 'the database did not confirm a write within 100 ms',
    });
    // Still hung, later: no second probe while the first is out.
    now += 10_000;
    const later = await check.check();
    expect(later).toEqual({
      ready: false,
      reason: 'the database has not confirmed a write for 10 s',
    });
    expect(probes).toBe(2);
  });
});
