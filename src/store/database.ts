/** Opens the database named by a URL: `sqlite:<path>`, `sqlite::memory:` or `postgres://...`. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteAdapter } from 'kysely';
import type { Database } from './schema.js';
import type { Engine } from './engine.js';
import { migrateToLatest } from './migrations/index.js';
import { sqliteChangeProbe, type ChangeProbe } from './change-probe.js';
import { GroupCommitDialect } from './group-commit.js';
import type { ConnectionState } from './connection-lost.js';
import { lossAwarePool } from './pg-pool.js';
import { acquireServerLock, type ServerLock } from './server-lock.js';
import { withStatementCache } from './statement-cache.js';

export type { Engine } from './engine.js';

/** The engine behind a handle (a transaction's too), for the few statements that differ. */
export const engineOf = (db: Kysely<Database>): Engine =>
  db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  /** The SQLite file, when there is one (the credentials file is written next to it). */
  sqlitePath?: string;
  /** SQLite file: tells whether the database may have changed, without a query. */
  changes?: ChangeProbe;
  /** Connections of the pool (metrics); SQLite has its one. */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface ParsedUrl {
  engine: Engine;
  /** SQLite: a file path or ':memory:'. PostgreSQL: the connection string. */
  target: string;
}

export function parseDatabaseUrl(url: string): ParsedUrl {
  if (url === 'sqlite::memory:' || url === ':memory:')
    return { engine: 'sqlite', target: ':memory:' };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new Error(`Database URL "${url}" names no file`);
    return { engine: 'sqlite', target: path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { engine: 'postgres', target: url };
  }
  throw new Error(
    `Unsupported database URL "${url}": use sqlite:<path>, sqlite::memory: or postgres://user:pass@host:port/db`,
  );
}

export interface StoreOptions {
  migrate?: boolean;
  /**
   * A server's store: a SQLite file is refused while another server holds it (server-lock.ts).
   * The admin CLI opens the file without it, beside a running server.
   */
  serverLock?: boolean;
  /**
   * Told when PostgreSQL ends a pooled connection (a restart, a failover,
   * `pg_terminate_backend`, a proxy's idle timeout), idle or in use, or none can be made (at
   * most once a second). The pool drops that connection and opens another on the next query;
   * a request that was using it fails with a retryable InternalServerError (pg-pool.ts).
   */
  onConnectionLost?: (error: Error, state: ConnectionState) => void;
}

export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const parsed = parseDatabaseUrl(url);
  let store: Store;
  if (parsed.engine === 'sqlite') {
    const file = parsed.target === ':memory:' ? ':memory:' : resolve(parsed.target);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const lock = options.serverLock && file !== ':memory:' ? acquireServerLock(file) : undefined;
    try {
      store = openSqlite(file, lock);
    } catch (e) {
      lock?.release();
      throw e;
    }
  } else {
    // Loaded only for PostgreSQL: a SQLite server starts faster without it.
    const { default: pg } = await import('pg');
    // int8 (COUNT(*), bigint columns, bigserial IDs) as numbers: every value we keep fits in 2^53.
    pg.types.setTypeParser(20, (v) => Number(v));
    // A connection that cannot be had in 10 s (an unreachable host, a pool busy that long)
    // fails the request instead of holding it for ever.
    const pool = new pg.Pool({
      connectionString: parsed.target,
      max: 10,
      connectionTimeoutMillis: 10_000,
    });
    const onLost = options.onConnectionLost ?? (() => undefined);
    // node-postgres emits an idle connection's error on the pool, and an 'error' event with
    // no listener is thrown: without this, any of the above would end the process.
    pool.on('error', (error) => {
      // The pool hangs the whole client on its error: too much for a log line.
      Reflect.deleteProperty(error, 'client');
      onLost(error, 'idle');
    });
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: lossAwarePool(pool, onLost) }),
    });
    store = {
      db,
      engine: 'postgres',
      poolStats: () => ({
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      }),
      close: () => db.destroy(),
    };
  }
  if (options.migrate !== false) {
    try {
      await migrateToLatest(store.db, store.engine);
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}

/** A SQLite file (or memory) as the server uses it; `lock` is released on close. */
function openSqlite(file: string, lock: ServerLock | undefined): Store {
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // Durable commits: a commit acknowledged to a client survives a power cut.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // The CLI may write while a server runs: wait for the lock instead of failing at once.
  sqlite.pragma('busy_timeout = 5000');
  // Checkpoint every ~40 MB of WAL instead of ~4 MB: a batch of 50 users dirties hundreds of
  // scattered index pages, and fewer checkpoints write each page back once rather than
  // repeatedly (BatchCreateUser +20-30%). Commits are as durable: the WAL is synced on each.
  sqlite.pragma('wal_autocheckpoint = 10000');
  // Transactions that end close together share one commit (see group-commit.ts).
  const dialect = new GroupCommitDialect(sqlite, withStatementCache(sqlite));
  const db = new Kysely<Database>({ dialect });
  // A first read creates the WAL index (`-shm`) the change probe reads.
  sqlite.pragma('schema_version');
  const changes = file !== ':memory:' ? sqliteChangeProbe(file) : undefined;
  return {
    db,
    engine: 'sqlite',
    ...(file !== ':memory:' ? { sqlitePath: file } : {}),
    ...(changes ? { changes } : {}),
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    close: async () => {
      changes?.close();
      await db.destroy();
      lock?.release();
    },
  };
}
