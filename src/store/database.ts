/** Opens the database named by a URL: `sqlite:<path>`, `sqlite::memory:` or `postgres://...`. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations/index.js';

export type Engine = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  /** The SQLite file, when there is one (the credentials file is written next to it). */
  sqlitePath?: string;
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

// int8 (COUNT(*), bigint columns, bigserial IDs) as numbers: every value we keep fits in 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export async function openStore(url: string, options: { migrate?: boolean } = {}): Promise<Store> {
  const parsed = parseDatabaseUrl(url);
  let store: Store;
  if (parsed.engine === 'sqlite') {
    const file = parsed.target === ':memory:' ? ':memory:' : resolve(parsed.target);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    // Durable commits: a commit acknowledged to a client survives a power cut.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    // The CLI may write while a server runs: wait for the lock instead of failing at once.
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    store = {
      db,
      engine: 'sqlite',
      ...(file !== ':memory:' ? { sqlitePath: file } : {}),
      close: () => db.destroy(),
    };
  } else {
    const pool = new pg.Pool({ connectionString: parsed.target, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { db, engine: 'postgres', close: () => db.destroy() };
  }
  if (options.migrate !== false) await migrateToLatest(store.db, store.engine);
  return store;
}
