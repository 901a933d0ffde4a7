// PostgreSQL ends connections on a restart, a failover, `pg_terminate_backend` or a proxy's idle
// timeout. node-postgres reports each as an 'error' event (on the pool for an idle connection,
// on the client for one in use), which ends the process unless someone listens. The store must
// listen, say so, and carry on: a request on a lost connection fails with a retryable
// InternalServerError, the next one gets a new connection, and a transaction is never run
// twice when its COMMIT may have happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { EmbeddedServer } from '../src/index.js';
import { openStore } from '../src/store/database.js';
import { DatabaseUnavailable } from '../src/store/pg-pool.js';
import { inTransaction } from '../src/store/transaction.js';
import { answerOf } from './support/admin-call.js';
import { ROOT } from './support/browser.js';
import {
  createTestDatabase,
  restartPostgres,
  startPostgres,
  stopPostgres,
} from './support/postgres.mjs';

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

/** Ends the backend `pid` and waits until it is gone. */
async function terminate(admin: pg.Client, pid: number): Promise<void> {
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  for (let i = 0; i < 200; i++) {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (rowCount === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`backend ${pid} did not end`);
}

describe('a transaction whose connection is lost', () => {
  it('runs again on a new connection when COMMIT was not sent, and never when it was', async () => {
    const database = await createTestDatabase();
    const store = await openStore(database.url, { migrate: false });
    const admin = new pg.Client({ connectionString: database.url });
    try {
      await admin.connect();
      await sql`CREATE TABLE marks (id serial PRIMARY KEY, attempt int)`.execute(store.db);
      const pidOf = async (trx: Parameters<Parameters<typeof inTransaction>[1]>[0]) =>
        (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)).rows[0]!.pid;

      // Lost in the middle: rolled back with the connection, run again, written once.
      let attempts = 0;
      await inTransaction(store.db, async (trx) => {
        attempts++;
        await sql`INSERT INTO marks (attempt) VALUES (${attempts})`.execute(trx);
        if (attempts === 1) await terminate(admin, await pidOf(trx));
        await sql`INSERT INTO marks (attempt) VALUES (${attempts})`.execute(trx);
      });
      expect(attempts).toBe(2);
      const { rows } = await admin.query<{ attempt: number }>('SELECT attempt FROM marks');
      expect(rows.map((r) => r.attempt)).toEqual([2, 2]);

      // Lost after the body, at COMMIT: the outcome is unknown, so it is not run again.
      let runs = 0;
      const failed = await inTransaction(store.db, async (trx) => {
        runs++;
        await sql`INSERT INTO marks (attempt) VALUES (99)`.execute(trx);
        const pid = await pidOf(trx);
        // The backend ends while COMMIT is on its way.
        setTimeout(() => void terminate(admin, pid), 0);
        await sql`SELECT pg_sleep(0.3)`.execute(trx).catch(() => undefined);
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(runs).toBe(1);
      expect(failed).toBeInstanceOf(DatabaseUnavailable);
      const error = failed as DatabaseUnavailable;
      expect(error.errorName).toBe('InternalServerError');
      expect(error.status).toBe(500);
      // The pool hands out a working connection next.
      const after = await sql<{ one: number }>`SELECT 1 AS one`.execute(store.db);
      expect(after.rows).toEqual([{ one: 1 }]);
    } finally {
      await admin.end();
      await store.close();
      await database.drop();
    }
  });
});

interface ServerProcess extends Pick<EmbeddedServer, 'endpoint' | 'credentials'> {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** A server in a process of its own (test/support/serve.mjs, the built package) on `url`. */
async function serve(url: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'test', 'support', 'serve.mjs')], {
    env: { ...process.env, WICKR_DATABASE_URL: url, WICKR_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const info = await new Promise<Pick<EmbeddedServer, 'endpoint' | 'credentials'>>(
    (resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => resolve(JSON.parse(line) as never));
      lines.on('line', (line) => (output += `${line}\n`));
      child.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}: ${output}`)));
    },
  );
  return {
    ...info,
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

type Outcome = { status: number; errorType: string | null; message: unknown } | { refused: string };

/**
 * `clients` loops of a write (CreateNetwork) and a read (ListNetworks) against `server` until
 * `stop()`, each answer recorded as it came (no retries).
 */
function load(server: ServerProcess, clients: number) {
  const outcomes: Outcome[] = [];
  let running = true;
  const one = async (op: () => ReturnType<typeof answerOf>) => {
    try {
      const a = await op();
      outcomes.push({
        status: a.status,
        errorType: a.headers.get('x-amzn-errortype'),
        message: a.body['message'],
      });
    } catch (e) {
      outcomes.push({ refused: (e as Error).message });
    }
  };
  const loops = Array.from({ length: clients }, async (_, i) => {
    for (let n = 0; running; n++) {
      await one(() =>
        answerOf(server, 'CreateNetwork', {
          networkName: `load-${i}-${n}`,
          accessLevel: 'STANDARD',
        }),
      );
      await one(() => answerOf(server, 'ListNetworks', { maxResults: 5 }));
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Each answer is a 200 or a retryable InternalServerError in the API's format. */
function expectOnlyRetryable(outcomes: Outcome[]): void {
  const bad = outcomes.filter(
    (o) =>
      !('status' in o) ||
      !(
        o.status === 200 ||
        (o.status === 500 && o.errorType === 'InternalServerError' && typeof o.message === 'string')
      ),
  );
  expect(bad).toEqual([]);
}

/** Waits until the server answers 200 again, then expects `n` 200s in a row. */
async function expectWorking(server: ServerProcess, n = 5): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const a = await answerOf(server, 'ListNetworks', {});
    if (a.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (let i = 0; i < n; i++) {
    expect(
      (
        await answerOf(server, 'CreateNetwork', {
          networkName: `after-${i}`,
          accessLevel: 'STANDARD',
        })
      ).status,
    ).toBe(200);
  }
}

describe('a server on PostgreSQL, under load from several clients', () => {
  it('outlives pg_terminate_backend of busy connections; clients see 200s and retryable 500s', async () => {
    const database = await createTestDatabase();
    const server = await serve(database.url);
    const admin = new pg.Client({ connectionString: database.url });
    try {
      await admin.connect();
      const traffic = load(server, 4);
      let busyEnded = 0;
      for (let round = 0; round < 10; round++) {
        await new Promise((r) => setTimeout(r, 150));
        const { rows } = await admin.query<{ state: string | null }>(
          `SELECT state, pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        busyEnded += rows.filter((r) => r.state !== 'idle').length;
      }
      await new Promise((r) => setTimeout(r, 300));
      await traffic.stop();
      expect(server.child.exitCode, server.output()).toBeNull();
      // Connections were ended while requests used them, and requests were answered.
      expect(busyEnded).toBeGreaterThan(0);
      expect(traffic.outcomes.some((o) => 'status' in o && o.status === 200)).toBe(true);
      expectOnlyRetryable(traffic.outcomes);
      await expectWorking(server);
    } finally {
      await admin.end();
      await server.stop();
      await database.drop();
    }
  }, 120_000);

  it('outlives a fast restart of PostgreSQL and works after it', async () => {
    // A cluster of its own: a restart ends every session on it.
    const cluster = await startPostgres();
    let server: ServerProcess | undefined;
    try {
      server = await serve(cluster.url);
      const traffic = load(server, 4);
      await new Promise((r) => setTimeout(r, 300));
      await restartPostgres(cluster, 'fast');
      await new Promise((r) => setTimeout(r, 500));
      await traffic.stop();
      expect(server.child.exitCode, server.output()).toBeNull();
      expect(traffic.outcomes.some((o) => 'status' in o && o.status === 500)).toBe(true);
      expectOnlyRetryable(traffic.outcomes);
      await expectWorking(server);
    } finally {
      await server?.stop();
      stopPostgres(cluster);
    }
  }, 180_000);
});
