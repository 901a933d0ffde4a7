/**
 * Whether another process has a SQLite database open: `restore` must never overwrite a database
 * a server is using. The one check every command that replaces a database file asks.
 *
 * How: a connection of our own asks for SQLite's exclusive locking mode and a write lock. In
 * WAL mode (every database the server opens) that needs the shared-memory index to itself, so
 * SQLite refuses it (SQLITE_BUSY) while any other connection has the database open, even an
 * idle one. The locks are the operating system's (fcntl), released when their process ends:
 * a server killed with SIGKILL holds nothing, so a stale holder never blocks a restore.
 * When a server-held lock file exists for the database (one server per SQLite file), check it
 * here first.
 */
import { existsSync } from 'node:fs';
import SQLite from 'better-sqlite3';

/** A sentence naming what holds `file`, or undefined when nothing does (or it does not exist). */
export function sqliteHolder(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  let db: SQLite.Database | undefined;
  try {
    db = new SQLite(file, { fileMustExist: true });
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return undefined;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY')
      return `another process has ${file} open (a running server, or a wickr-admin command)`;
    throw err;
  } finally {
    db?.close();
  }
}
