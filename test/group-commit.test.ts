// Group commit on SQLite: transactions that end close together share one commit, and none is
// answered before that commit is on disk, where another connection (another process) sees it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withStatementCache } from '../src/store/statement-cache.js';
import {
  commitAtOnce,
  GroupCommitDialect,
  MAX_MEMBERS,
  type GroupCommitDriver,
} from '../src/store/group-commit.js';

interface Db {
  probe: { id: number; note: string };
  child: { id: number; parent_id: number };
}

describe('SQLite group commit', () => {
  let dir: string;
  let db: Kysely<Db>;
  let driver: GroupCommitDriver;
  let other: SQLite.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wickr-group-'));
    const file = join(dir, 'g.db');
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    const dialect = new GroupCommitDialect(sqlite, withStatementCache(sqlite));
    driver = dialect.driver;
    db = new Kysely<Db>({ dialect });
    await sql`create table probe (id integer primary key, note text not null)`.execute(db);
    // Checked at COMMIT only: a way to make a group's commit fail.
    await sql`create table child (id integer primary key,
      parent_id integer not null references probe (id) deferrable initially deferred)`.execute(db);
    other = new SQLite(file, { readonly: true });
  });
  afterEach(async () => {
    other.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const visibleElsewhere = (id: number) =>
    other.prepare('select count(*) as n from probe where id = ?').get(id) as { n: number };
  const insert = (id: number) => (trx: Kysely<Db>) =>
    trx
      .insertInto('probe')
      .values({ id, note: `n${id}` })
      .execute();

  it('commits transactions that end together once, each answered only when durable', async () => {
    const before = { ...driver.stats };
    const seenOnAnswer = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        db
          .transaction()
          .execute(insert(i + 1))
          .then(() => visibleElsewhere(i + 1).n),
      ),
    );
    expect(seenOnAnswer).toEqual(Array(10).fill(1));
    expect(driver.stats.members - before.members).toBe(10);
    expect(driver.stats.commits - before.commits).toBe(1);
  });

  it('rolls back a failed transaction alone; the rest of its group commits', async () => {
    const results = await Promise.allSettled([
      db.transaction().execute(insert(1)),
      db.transaction().execute(async (trx) => {
        await insert(2)(trx);
        throw new Error('handler failed');
      }),
      db.transaction().execute(async (trx) => {
        await insert(3)(trx);
        await insert(1)(trx); // a duplicate key: this transaction fails as a whole
      }),
      db.transaction().execute(insert(4)),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    const ids = other.prepare('select id from probe order by id').all() as { id: number }[];
    expect(ids.map((r) => r.id)).toEqual([1, 4]);
  });

  it('commits the open group before a statement outside a transaction runs', async () => {
    const before = driver.stats.commits;
    const written = db.transaction().execute(insert(7));
    // Queued behind the transaction: it runs once the transaction has released the connection,
    // before the group's own commit at the next turn of the event loop.
    const read = db.selectFrom('probe').selectAll().execute();
    const rows = await read;
    expect(rows.map((r) => r.id)).toEqual([7]);
    // What the read saw was already on disk when it ran.
    expect(visibleElsewhere(7).n).toBe(1);
    expect(driver.stats.commits - before).toBe(1);
    await written;
  });

  it('gives every member the error when the group commit fails, and saves none of them', async () => {
    const results = await Promise.allSettled([
      db.transaction().execute(insert(1)),
      // Breaks a deferred foreign key: its savepoint is released, the COMMIT refuses.
      db
        .transaction()
        .execute((trx) => trx.insertInto('child').values({ id: 1, parent_id: 99 }).execute()),
      db.transaction().execute(insert(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/i);
    expect((other.prepare('select count(*) as n from probe').get() as { n: number }).n).toBe(0);
    // The connection is usable again, and the next group stands on its own.
    await db.transaction().execute(insert(5));
    expect(visibleElsewhere(5).n).toBe(1);
  });

  it('holds the write lock from its start: another writer waits for the commit', async () => {
    const writer = new SQLite(join(dir, 'g.db'));
    writer.pragma('busy_timeout = 0');
    try {
      await db.transaction().execute(async (trx) => {
        await trx.selectFrom('probe').selectAll().execute();
        expect(() => writer.prepare(`insert into probe values (1, 'other')`).run()).toThrow(
          /locked|busy/i,
        );
        await insert(2)(trx);
      });
      writer.prepare(`insert into probe values (1, 'other')`).run();
      expect((other.prepare('select count(*) as n from probe').get() as { n: number }).n).toBe(2);
    } finally {
      writer.close();
    }
  });

  it('commits a transaction marked commitAtOnce when it ends, for callers others wait for', async () => {
    // The delivery worker's claim and DeleteNetwork: the second waits, inside its own
    // transaction, for the first one's caller. A commit deferred to a later turn would wait for
    // the second to release the connection: neither would ever finish.
    let claimed!: () => void;
    const sent = new Promise<void>((resolve) => (claimed = resolve));
    const claim = db
      .transaction()
      .execute(async (trx) => {
        await insert(1)(trx);
        await commitAtOnce(trx);
      })
      .then(() => {
        expect(visibleElsewhere(1).n).toBe(1);
        claimed();
      });
    const waiting = db.transaction().execute(async (trx) => {
      await sent;
      await insert(2)(trx);
    });
    await Promise.all([claim, waiting]);
    expect(visibleElsewhere(2).n).toBe(1);
  });

  it(`caps a group at ${MAX_MEMBERS} transactions`, async () => {
    const before = { ...driver.stats };
    const n = 2 * MAX_MEMBERS + 10;
    await Promise.all(Array.from({ length: n }, (_, i) => db.transaction().execute(insert(i + 1))));
    expect(driver.stats.members - before.members).toBe(n);
    expect(driver.stats.commits - before.commits).toBe(3);
    expect((other.prepare('select count(*) as n from probe').get() as { n: number }).n).toBe(n);
  });

  it('runs one transaction alone at once when nothing else is waiting', async () => {
    const before = driver.stats.commits;
    for (let i = 1; i <= 3; i++) {
      await db.transaction().execute(insert(i));
      expect(visibleElsewhere(i).n).toBe(1);
    }
    expect(driver.stats.commits - before).toBe(3);
  });
});
