// Coalesced reads (the lookup's tenancy read on PostgreSQL): many concurrent reads, one
// statement, and never an answer older than the read.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { coalesce } from '../src/store/coalesce.js';
import { openStore, type Store } from '../src/store/database.js';
import { prepareNetworkVersionOfAccount } from '../src/store/tenancy.js';
import { createTestDatabase } from './support/postgres.mjs';
import { ACCOUNT, REGION, expectOwnVersionInTransaction } from './support/tenancy-read.js';

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setImmediate(r));
  expect(done()).toBe(true);
}

describe('coalesce', () => {
  it('answers the reads asked together with one statement, each with its own key', async () => {
    const statements: string[][] = [];
    const read = coalesce<string, string>(async (keys) => {
      statements.push(keys);
      return new Map(keys.filter((k) => k !== 'none').map((k) => [k, k.toUpperCase()]));
    });
    const answers = await Promise.all(['a', 'b', 'a', 'none', 'c'].map((k) => read(k)));
    expect(answers).toEqual(['A', 'B', 'A', undefined, 'C']);
    expect(statements).toEqual([['a', 'b', 'none', 'c']]);
  });

  it('never answers a read with a statement that started before it was asked', async () => {
    let version = 0;
    const started: number[] = [];
    let release: () => void = () => {};
    const read = coalesce<string, number>(async (keys) => {
      const seen = version; // the statement's snapshot: taken when it starts
      started.push(seen);
      await new Promise<void>((r) => (release = r));
      return new Map(keys.map((k) => [k, seen]));
    });
    const first = read('n');
    await until(() => started.length === 1); // the first statement is running
    version = 1; // a commit while it runs
    const second = read('n');
    const third = read('n');
    release();
    expect(await first).toBe(0);
    await until(() => started.length === 2);
    release();
    expect(await second).toBe(1);
    expect(await third).toBe(1);
    expect(started).toEqual([0, 1]);
  });

  it('puts the reads asked in the turn that answers a statement into one next statement', async () => {
    const statements: string[][] = [];
    let release: () => void = () => {};
    const read = coalesce<string, string>(async (keys) => {
      statements.push(keys);
      await new Promise<void>((r) => (release = r));
      return new Map(keys.map((k) => [k, k]));
    });
    const reads = [read('a')];
    await until(() => statements.length === 1);
    reads.push(read('b'));
    // Two callbacks of one turn, as two sockets read in one poll: the first sees the answer
    // of the running statement arrive, the second comes after it in the same turn.
    await new Promise<void>((done) => {
      setImmediate(() => {
        release();
        reads.push(read('c'));
      });
      setImmediate(() => {
        reads.push(read('d'));
        done();
      });
    });
    await until(() => statements.length === 2);
    release();
    expect(await Promise.all(reads)).toEqual(['a', 'b', 'c', 'd']);
    expect(statements).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('fails every read of a failed statement, and the next reads run a new one', async () => {
    let fail = true;
    const read = coalesce<string, string>(async (keys) => {
      await Promise.resolve();
      if (fail) throw new Error('connection lost');
      return new Map(keys.map((k) => [k, 'ok']));
    });
    const failed = await Promise.allSettled([read('a'), read('b')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await read('a')).toBe('ok');
  });
});

describe('the tenancy read on PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  let store: Store;
  let other: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await openStore(database.url);
    other = new pg.Client({ connectionString: database.url });
    await other.connect();
    for (const id of ['12345678', '87654321']) {
      await other.query(
        `INSERT INTO networks (network_id, account_id, region, network_name, access_level,
           encryption_key_arn, standing, free_trial_expiration, migration_state, uname_key,
           settings, created_at)
         VALUES ($1, $2, $3, 'n', 'STANDARD', NULL, 1, NULL, 0, '00', '{}', 0)`,
        [id, ACCOUNT, REGION],
      );
    }
  });
  afterAll(async () => {
    await other.end();
    await store.close();
    await database.drop();
  });

  it('gives each of many concurrent reads a version at least as new as the last commit before it', async () => {
    const read = prepareNetworkVersionOfAccount(store.db);
    const checks: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      // Committed (and acknowledged) before the reads below are asked.
      await other.query(
        'UPDATE networks SET lookup_version = lookup_version + 1 WHERE network_id = $1',
        ['12345678'],
      );
      const { rows } = await other.query<{ v: string }>(
        'SELECT lookup_version AS v FROM networks WHERE network_id = $1',
        ['12345678'],
      );
      const committed = Number(rows[0]!.v);
      for (let j = 0; j < 8; j++) {
        checks.push(
          read(store.db, '12345678', ACCOUNT, REGION).then(([row]) => {
            expect(Number(row!.lookup_version)).toBeGreaterThanOrEqual(committed);
          }),
        );
      }
    }
    await Promise.all(checks);
  });

  it('answers reads asked together with one statement', async () => {
    const read = prepareNetworkVersionOfAccount(store.db);
    const statements = vi.spyOn(store.db, 'executeQuery');
    try {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => read(store.db, '12345678', ACCOUNT, REGION)),
      );
      expect(answers.every((rows) => rows.length === 1)).toBe(true);
      expect(statements).toHaveBeenCalledTimes(1);
    } finally {
      statements.mockRestore();
    }
  });

  it('keeps accounts, regions and networks apart and sees a delete at once', async () => {
    const read = prepareNetworkVersionOfAccount(store.db);
    const [a, b, c, d] = await Promise.all([
      read(store.db, '12345678', ACCOUNT, REGION),
      read(store.db, '12345678', '111111111111', REGION),
      read(store.db, '12345678', ACCOUNT, 'eu-west-1'),
      read(store.db, '87654321', ACCOUNT, REGION),
    ]);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(0);
    expect(c).toHaveLength(0);
    expect(d.map((r) => r.network_id)).toEqual(['87654321']);
    await other.query('DELETE FROM networks WHERE network_id = $1', ['87654321']);
    expect(await read(store.db, '87654321', ACCOUNT, REGION)).toHaveLength(0);
  });

  it('runs the query in a transaction, which sees its own uncommitted change', async () => {
    const read = prepareNetworkVersionOfAccount(store.db);
    await expectOwnVersionInTransaction(store.db, read, '12345678');
  });
});
