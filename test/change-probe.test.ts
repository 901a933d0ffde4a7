// The SQLite change probe (the WAL-index header) and the lookup's tenancy read it lets skip
// its query: any commit, by this handle or by another connection (another process, the CLI, a
// hand-written fix), must be seen by the very next read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/database.js';
import { prepareNetworkVersionOfAccount } from '../src/store/tenancy.js';
import { ACCOUNT, REGION, expectOwnVersionInTransaction } from './support/tenancy-read.js';

describe('SQLite change probe and the memoized tenancy read', () => {
  let dir: string;
  let file: string;
  let store: Store;
  let other: SQLite.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wickr-probe-'));
    file = join(dir, 'w.db');
    store = await openStore(`sqlite:${file}`);
    other = new SQLite(file);
    other.pragma('busy_timeout = 5000');
    other
      .prepare(
        `INSERT INTO networks (network_id, account_id, region, network_name, access_level,
           encryption_key_arn, standing, free_trial_expiration, migration_state, uname_key,
           settings, created_at)
         VALUES (?, ?, ?, 'n', 'STANDARD', NULL, 1, NULL, 0, '00', '{}', 0)`,
      )
      .run('12345678', ACCOUNT, REGION);
  });
  afterEach(async () => {
    other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves on every commit of any connection and stays put otherwise', async () => {
    const probe = store.changes!;
    expect(probe).toBeDefined();
    const g = probe.generation();
    expect(probe.generation()).toBe(g);
    await store.db.selectFrom('networks').selectAll().execute();
    expect(probe.generation()).toBe(g);
    other.prepare('UPDATE networks SET network_name = ? WHERE network_id = ?').run('x', '12345678');
    const g2 = probe.generation();
    expect(g2).not.toBe(g);
    await store.db
      .updateTable('networks')
      .set({ network_name: 'y' })
      .where('network_id', '=', '12345678')
      .execute();
    expect(probe.generation()).not.toBe(g2);
    // A checkpoint that resets the WAL counts as a change too (an extra query, never a miss).
    other.pragma('wal_checkpoint(TRUNCATE)');
    const g3 = probe.generation();
    other.prepare('UPDATE networks SET network_name = ? WHERE network_id = ?').run('z', '12345678');
    expect(probe.generation()).not.toBe(g3);
  });

  it('gives the version another connection just committed, 200 times in a row', async () => {
    const read = prepareNetworkVersionOfAccount(store.db, store.changes);
    const bump = other.prepare(
      'UPDATE networks SET lookup_version = lookup_version + 1 WHERE network_id = ?',
    );
    const current = other.prepare('SELECT lookup_version FROM networks WHERE network_id = ?');
    for (let i = 0; i < 200; i++) {
      // Twice: the second answer comes from memory and must still be the current one.
      for (let twice = 0; twice < 2; twice++) {
        const [row] = await read(store.db, '12345678', ACCOUNT, REGION);
        const { lookup_version } = current.get('12345678') as { lookup_version: number };
        expect(Number(row!.lookup_version)).toBe(Number(lookup_version));
      }
      bump.run('12345678');
    }
  });

  it('looks at the probe once for the reads asked in one turn, after the last of them', async () => {
    let looks = 0;
    const probe = store.changes!;
    const counted = { generation: () => (looks++, probe.generation()), close: () => undefined };
    const read = prepareNetworkVersionOfAccount(store.db, counted);
    const version = async () =>
      Number((await read(store.db, '12345678', ACCOUNT, REGION))[0]!.lookup_version);
    const bump = other.prepare(
      'UPDATE networks SET lookup_version = lookup_version + 1 WHERE network_id = ?',
    );
    const before = await version();
    expect(looks).toBe(1);
    const early = Array.from({ length: 5 }, () => version());
    // A commit after those reads were asked and before the look: the next read asked must
    // see it, and so do the earlier ones (their look comes after it too).
    bump.run('12345678');
    const late = version();
    expect(await Promise.all([...early, late])).toEqual(Array<number>(6).fill(before + 1));
    expect(looks).toBe(2);
    // A read asked after the look began waits for the next one.
    bump.run('12345678');
    expect(await version()).toBe(before + 2);
    expect(looks).toBe(3);
  });

  it('sees a network deleted or moved to another account at once, and keeps accounts apart', async () => {
    const read = prepareNetworkVersionOfAccount(store.db, store.changes);
    expect(await read(store.db, '12345678', ACCOUNT, REGION)).toHaveLength(1);
    expect(await read(store.db, '12345678', '111111111111', REGION)).toHaveLength(0);
    expect(await read(store.db, '12345678', ACCOUNT, 'eu-west-1')).toHaveLength(0);
    other.prepare('DELETE FROM networks WHERE network_id = ?').run('12345678');
    expect(await read(store.db, '12345678', ACCOUNT, REGION)).toHaveLength(0);
  });

  it('runs the query in a transaction, and there is no probe without a file', async () => {
    const read = prepareNetworkVersionOfAccount(store.db, store.changes);
    await read(store.db, '12345678', ACCOUNT, REGION);
    // Inside the transaction, its own uncommitted change: only a query can see it.
    await expectOwnVersionInTransaction(store.db, read, '12345678');
    const memory = await openStore('sqlite::memory:');
    try {
      expect(memory.changes).toBeUndefined();
    } finally {
      await memory.close();
    }
  });
});
