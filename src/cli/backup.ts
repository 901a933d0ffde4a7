/**
 * Online backup and restore of a SQLite database (`wickr-admin backup` / `restore`), with
 * SQLite's backup API through better-sqlite3.
 *
 * Backup: the pages are copied in one step, inside one read transaction of the source. In WAL
 * mode a reader never blocks the server's writes, and the copy is the database as of one
 * commit: every change acknowledged before the backup began, and no half of any transaction.
 * (Copied in several steps, a commit by the server between two of them restarts the copy: under
 * steady writes it might never end.) The copy is written beside its destination and renamed
 * into place once complete and checked, so the named file is never a partial backup, and it is
 * left in rollback-journal mode: one self-contained file.
 *
 * Restore: the backup is checked (a SQLite file holding this server's tables), then copied
 * into the destination through SQLite as one write transaction, so a crash midway leaves the
 * destination as it was; never while another process has it open (database-holder.ts).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { isContract, knownMigrations } from '../store/migrations/index.js';
import { sqliteHolder } from './database-holder.js';

/** What a backup or a restore holds, for the line the command prints. */
export interface DatabaseSummary {
  bytes: number;
  networks: number;
  users: number;
  pendingInvitations: number;
  migrations: string[];
}

const ALL_PAGES = 0x7fffffff;

export async function backupSqlite(source: string, to: string): Promise<DatabaseSummary> {
  const target = resolve(to);
  if (existsSync(target))
    throw new Error(`${to} exists already: name a new file (a backup never overwrites one)`);
  if (!existsSync(dirname(target))) throw new Error(`no such folder: ${dirname(target)}`);
  const partial = `${target}.partial-${process.pid}`;
  const db = new SQLite(source, { fileMustExist: true, readonly: true });
  try {
    await db.backup(partial, { progress: () => ALL_PAGES });
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  try {
    const copy = new SQLite(partial);
    try {
      copy.pragma('journal_mode = DELETE');
      checkIntegrity(copy, to);
    } finally {
      copy.close();
    }
    syncFile(partial);
    renameSync(partial, target);
    syncFile(dirname(target));
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  return summarize(target);
}

export async function restoreSqlite(from: string, destination: string): Promise<DatabaseSummary> {
  const source = resolve(from);
  if (!existsSync(source)) throw new Error(`no such file: ${from}`);
  const summary = summarize(source);
  const contracts = summary.migrations.filter(
    (m) => isContract(m) && !knownMigrations().includes(m),
  );
  if (contracts.length > 0)
    throw new Error(
      `${from} was made by a newer version that removed what this version uses (migration ${contracts.join(', ')}): restore it with that version`,
    );
  const target = resolve(destination);
  const holder = sqliteHolder(target);
  if (holder) throw new Error(`refusing to restore over ${destination}: ${holder}; stop it first`);
  mkdirSync(dirname(target), { recursive: true });
  const db = new SQLite(source, { fileMustExist: true, readonly: true });
  try {
    await db.backup(target, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  // The server runs its databases in WAL mode; a restored one is put back in it at once.
  const restored = new SQLite(target);
  try {
    restored.pragma('journal_mode = WAL');
  } finally {
    restored.close();
  }
  return summary;
}

/** Opens a backup read-only and reads what it holds; refuses a file that is not one of ours. */
export function summarize(file: string): DatabaseSummary {
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { fileMustExist: true, readonly: true });
    db.pragma('schema_version');
  } catch (err) {
    throw new Error(`${file} is not a SQLite database (${(err as Error).message})`);
  }
  try {
    checkIntegrity(db, file);
    const has = (table: string) =>
      db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table);
    if (!has('kysely_migration') || !has('members') || !has('outbox'))
      throw new Error(`${file} is a SQLite database, but not a wickr-admin-server one`);
    const count = (query: string) => Number((db.prepare(query).pluck().get() as number) ?? 0);
    return {
      bytes: count('SELECT page_count * page_size FROM pragma_page_count, pragma_page_size'),
      networks: count('SELECT count(*) FROM networks'),
      users: count('SELECT count(*) FROM members'),
      pendingInvitations: count(`SELECT count(*) FROM outbox WHERE status = 'pending'`),
      migrations: db
        .prepare('SELECT name FROM kysely_migration ORDER BY name')
        .pluck()
        .all() as string[],
    };
  } finally {
    db.close();
  }
}

function checkIntegrity(db: SQLite.Database, name: string): void {
  const result = db.pragma('quick_check', { simple: true });
  if (result !== 'ok') throw new Error(`${name} fails SQLite's integrity check: ${String(result)}`);
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
