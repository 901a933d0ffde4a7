/**
 * SQLite's one connection, with group commit: transactions that finish while a commit is still
 * to come share that commit, and its one `fsync`.
 *
 * Kysely's own SQLite driver commits each transaction by itself. With `synchronous = FULL`
 * every commit syncs the WAL, and a batch of users dirties hundreds of index pages that the
 * next batch dirties again; a commit of several transactions writes and syncs them once.
 * No library offers this for better-sqlite3, so the driver is written here.
 *
 * The rules, which keep every transaction's meaning:
 * - One outer transaction (the group) is open while members run; each member is a savepoint
 *   inside it. A member that fails is rolled back to its savepoint, and only its writes go.
 * - A member's caller gets its result only once the group has committed (the connection's
 *   release waits for it), so nothing is acknowledged that a crash or power cut could lose.
 *   If the commit fails, every member of the group gets the error.
 * - A statement outside a transaction first commits the open group: reads never see writes
 *   that are not yet durable, and writes outside transactions commit alone, as before.
 * - The group commits when the connection is free at the next turn of the event loop (a
 *   `setImmediate` after the last member), or when it reaches `MAX_MEMBERS`.
 * Members run one at a time on the one connection, in order, as before; a member sees the
 * writes of the members before it, which commit with it or not at all.
 */
import type SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryExecutor,
  type QueryResult,
  type SqliteDatabase,
} from 'kysely';

/** The driver behind each connection it hands out, for `commitAtOnce`. */
const drivers = new WeakMap<DatabaseConnection, GroupCommitDriver>();

/**
 * Makes the transaction `trx` commit as soon as it ends, with the group open then, instead of
 * at the next turn of the event loop. For a transaction whose caller another transaction may
 * wait for while holding the connection: the delivery worker's claim, whose sends DeleteNetwork
 * waits for inside its own transaction. A deferred commit would wait for that transaction to
 * release the connection, and it for the sends: a deadlock. Elsewhere (PostgreSQL) a no-op.
 */
export async function commitAtOnce(trx: { getExecutor(): QueryExecutor }): Promise<void> {
  await trx.getExecutor().provideConnection((connection) => {
    drivers.get(connection)?.commitOnEnd();
    return Promise.resolve();
  });
}

/** Members a group may hold before it commits without waiting for a quiet moment. */
export const MAX_MEMBERS = 64;
const MEMBER = 'group_commit_member';

interface Group {
  members: number;
  committed: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function newGroup(): Group {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const committed = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Members rolled back to their savepoint do not wait: a failed commit must not go unhandled.
  committed.catch(() => {});
  return { members: 0, committed, resolve, reject };
}

/** Counts of what the driver did (the tests read them). */
export interface GroupCommitStats {
  /** Groups committed. */
  commits: number;
  /** Transactions committed in them. */
  members: number;
}

export class GroupCommitDialect extends SqliteDialect {
  readonly driver: GroupCommitDriver;
  constructor(sqlite: SQLite.Database, statements: SqliteDatabase) {
    super({ database: statements });
    this.driver = new GroupCommitDriver(sqlite, statements);
  }
  override createDriver(): Driver {
    return this.driver;
  }
}

export class GroupCommitDriver implements Driver {
  readonly stats: GroupCommitStats = { commits: 0, members: 0 };
  readonly #sqlite: SQLite.Database;
  readonly #statements: SqliteDatabase;
  readonly #connection: DatabaseConnection;
  /** Whoever holds the connection; the rest wait here, first come first served. */
  #held = false;
  readonly #waiting: (() => void)[] = [];
  #group: Group | undefined;
  #flushScheduled = false;
  /** The holder is inside a transaction (a member's savepoint). */
  #inMember = false;
  /** The group the holder's committed transaction joined: its release waits for the commit. */
  #joined: Group | undefined;
  /** The holder's transaction commits the group as soon as it ends (`commitAtOnce`). */
  #atOnce = false;

  constructor(sqlite: SQLite.Database, statements: SqliteDatabase) {
    this.#sqlite = sqlite;
    this.#statements = statements;
    this.#connection = {
      executeQuery: <R>(q: CompiledQuery) => Promise.resolve(this.#execute<R>(q)),
      streamQuery: <R>(q: CompiledQuery) => this.#stream<R>(q),
    };
    drivers.set(this.#connection, this);
  }

  /** See `commitAtOnce`: the holder's transaction commits when it ends. */
  commitOnEnd(): void {
    if (this.#inMember) this.#atOnce = true;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#held) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#held = true;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const joined = this.#joined;
    this.#joined = undefined;
    this.#inMember = false;
    const next = this.#waiting.shift();
    // Handed straight to the next in line: the connection stays held.
    if (next) next();
    else this.#held = false;
    if (this.#group) this.#scheduleFlush();
    if (joined) await joined.committed;
  }

  async beginTransaction(): Promise<void> {
    if (this.#group && this.#group.members >= MAX_MEMBERS) this.#flush();
    if (!this.#group) {
      // The write lock from the start: a group can stay open across turns of the event loop,
      // and a deferred one that had only read would meet another process's commit with
      // SQLITE_BUSY_SNAPSHOT at its first write. Another writer waits (busy timeout) instead.
      this.#run('begin immediate');
      this.#group = newGroup();
    }
    this.#run(`savepoint ${MEMBER}`);
    this.#group.members++;
    this.#inMember = true;
  }

  async commitTransaction(): Promise<void> {
    this.#assertGroupAlive();
    this.#run(`release ${MEMBER}`);
    this.#inMember = false;
    this.#joined = this.#group;
    if (this.#atOnce) {
      this.#atOnce = false;
      this.#flush();
    }
  }

  async rollbackTransaction(): Promise<void> {
    this.#inMember = false;
    this.#atOnce = false;
    const group = this.#group;
    if (group) group.members--;
    if (this.#sqlite.inTransaction) {
      this.#run(`rollback to ${MEMBER}`);
      this.#run(`release ${MEMBER}`);
      return;
    }
    // SQLite ended the whole transaction itself (an I/O error, a full disk): the members
    // already released into the group are lost with it, and are told so.
    this.#group = undefined;
    group?.reject(new Error('The database rolled back the transaction; nothing was saved.'));
  }

  async savepoint(_c: DatabaseConnection, name: string): Promise<void> {
    this.#run(`savepoint "${name}"`);
  }

  async rollbackToSavepoint(_c: DatabaseConnection, name: string): Promise<void> {
    this.#run(`rollback to "${name}"`);
  }

  async releaseSavepoint(_c: DatabaseConnection, name: string): Promise<void> {
    this.#run(`release "${name}"`);
  }

  async destroy(): Promise<void> {
    this.#flush();
    this.#statements.close();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      // Held: the holder's release schedules the next attempt.
      if (!this.#held) this.#flush();
    });
  }

  #flush(): void {
    const group = this.#group;
    if (!group) return;
    this.#group = undefined;
    try {
      this.#run('commit');
    } catch (e) {
      try {
        if (this.#sqlite.inTransaction) this.#run('rollback');
      } catch {
        // The commit's error is the one the members get; a failed rollback leaves nothing more.
      }
      group.reject(e);
      return;
    }
    this.stats.commits++;
    this.stats.members += group.members;
    group.resolve();
  }

  #assertGroupAlive(): void {
    if (this.#group && !this.#sqlite.inTransaction)
      throw new Error('The database rolled back the transaction; nothing was saved.');
  }

  #prepare(q: CompiledQuery) {
    if (!this.#inMember) this.#flush();
    else this.#assertGroupAlive();
    return this.#statements.prepare(q.sql);
  }

  // What Kysely's SQLite connection does with a statement; only the group check is ours.
  #execute<R>(q: CompiledQuery): QueryResult<R> {
    const stmt = this.#prepare(q);
    if (stmt.reader) return { rows: stmt.all(q.parameters) as R[] };
    const { changes, lastInsertRowid } = stmt.run(q.parameters);
    return {
      numAffectedRows: changes == null ? undefined : BigInt(changes),
      insertId: lastInsertRowid == null ? undefined : BigInt(lastInsertRowid),
      rows: [],
    };
  }

  async *#stream<R>(q: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const stmt = this.#prepare(q);
    if (!stmt.reader) throw new Error('SQLite streams only statements that return rows');
    for (const row of stmt.iterate(q.parameters)) yield { rows: [row as R] };
  }

  #run(sql: string): void {
    this.#statements.prepare(sql).run([]);
  }
}
