/**
 * One server per SQLite file. A second server on the same file would keep its own in-memory
 * state (rate limits, the uname cache's trust in the change probe, the delivery worker's claims)
 * beside the first one's; the admin CLI, which keeps none, may open the file meanwhile.
 *
 * The lock is SQLite's own: a small database beside the file (`<file>.lock`) in which the
 * server keeps a write transaction open for as long as it runs. SQLite locks with the operating
 * system's record locks, which the kernel drops when the process ends however it ends (kill -9
 * included), so a stale lock never blocks a restart, and a reused PID cannot fake one. The
 * file also names the holder (PID, host, start time), for the message a second server prints.
 */
import { hostname } from 'node:os';
import SQLite from 'better-sqlite3';

export interface ServerLock {
  /** `<file>.lock` */
  path: string;
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  started_at: number;
  token: string;
}

/** Acquires the server lock of the SQLite database `file`, or throws saying who holds it. */
export function acquireServerLock(file: string, now = Date.now()): ServerLock {
  const path = `${file}.lock`;
  const db = new SQLite(path);
  try {
    // Never wait: a lock that is held is held by a running server.
    db.pragma('busy_timeout = 0');
    const me: Holder = {
      pid: process.pid,
      host: hostname(),
      started_at: now,
      token: `${process.pid}-${now}-${Math.random()}`,
    };
    // The holder's row must be committed for others to read it, and committing releases the
    // lock: write it, then take the lock again and check that nobody slipped in between.
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!tryBegin(db)) throw heldBy(file, path, db);
      db.exec(
        'CREATE TABLE IF NOT EXISTS holder (pid INTEGER, host TEXT, started_at INTEGER, token TEXT)',
      );
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder VALUES (@pid, @host, @started_at, @token)').run(me);
      db.exec('COMMIT');
      if (!tryBegin(db)) throw heldBy(file, path, db);
      if (readHolder(db)?.token === me.token) {
        // Held from here on: the transaction stays open until release().
        return {
          path,
          release: () => {
            if (!db.open) return;
            if (db.inTransaction) db.exec('ROLLBACK');
            db.close();
          },
        };
      }
      db.exec('ROLLBACK');
    }
    throw heldBy(file, path, db);
  } catch (e) {
    if (db.open) {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
    throw e;
  }
}

/** BEGIN IMMEDIATE (the write lock), or false when another connection holds it. */
function tryBegin(db: SQLite.Database): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) return false;
    throw e;
  }
}

function readHolder(db: SQLite.Database): Holder | undefined {
  try {
    return db.prepare('SELECT pid, host, started_at, token FROM holder').get() as
      Holder | undefined;
  } catch {
    // No table yet, or the holder is mid-commit: nobody to name.
    return undefined;
  }
}

function heldBy(file: string, path: string, db: SQLite.Database): Error {
  const h = readHolder(db);
  const who = h
    ? `server process ${h.pid}${h.host ? ` on ${h.host}` : ''}, started ${new Date(h.started_at).toISOString()}`
    : 'another server process';
  return new Error(
    `The SQLite database ${file} is in use by ${who} (lock: ${path}). One server runs per ` +
      'SQLite file: stop that server first, or use another --database (PostgreSQL for several ' +
      'replicas). The wickr-admin commands that open the database work beside it.',
  );
}
