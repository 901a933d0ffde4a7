/**
 * The uname cache and the version it trusts: the cache's own bookkeeping, and the triggers of
 * migration 006 that move `networks.lookup_version` on every change a lookup could see.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contract } from '../src/contract/index.js';
import { newMember } from '../src/domain/owners/members.js';
import { compileSerializer } from '../src/pipeline/respond.js';
import { UnameCache } from '../src/domain/uname-cache.js';
import { BatchLookupUserUname } from '../src/domain/user-lookup.js';
import { openStore, type Store } from '../src/store/database.js';
import { insertNetworkRow } from './support/network-row.js';

/** A key's answer item as the lookup's item writer writes it. */
const item = (key: string, username: string) =>
  `{"uname":"${key}","username":${JSON.stringify(username)}}`;
const entry = (key: string, username: string): [string, string] => [key, item(key, username)];

describe('UnameCache', () => {
  it('keeps names per network, valid only at the version they were read at', () => {
    const cache = new UnameCache(10);
    expect(cache.at('n1', 5)?.size).toBe(0);
    cache.keep('n1', 5, [entry('aa', 'alice')]);
    expect(cache.at('n1', 5)?.item('aa')).toBe(item('aa', 'alice'));
    // Another version: the old entries are gone, for every reader.
    expect(cache.at('n1', 6)?.item('aa')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.at('n1', 5)?.item('aa')).toBeUndefined();
  });

  it('does not keep rows read for a version the network has moved on from', () => {
    const cache = new UnameCache(10);
    cache.at('n1', 1);
    cache.at('n1', 2); // a newer request saw a newer version meanwhile
    cache.keep('n1', 1, [entry('aa', 'stale')]);
    expect(cache.at('n1', 2)?.has('aa')).toBe(false);
    expect(cache.size).toBe(0);
  });

  it("is bounded across networks, evicting the largest network's oldest entries", () => {
    const cache = new UnameCache(4);
    cache.at('n1', 1);
    cache.keep('n1', 1, [entry('a', '1'), entry('b', '2'), entry('c', '3')]);
    cache.at('n2', 1);
    cache.keep('n2', 1, [entry('d', '4'), entry('e', '5')]);
    expect(cache.size).toBe(4);
    expect([...cache.at('n1', 1)!.keys()]).toEqual(['b', 'c']);
    expect([...cache.at('n2', 1)!.keys()]).toEqual(['d', 'e']);
    cache.keep('n2', 1, [entry('f', '6')]);
    expect(cache.size).toBe(4);
    expect([...cache.at('n1', 1)!.keys()]).toEqual(['c']);
    expect([...cache.at('n2', 1)!.keys()]).toEqual(['d', 'e', 'f']);
  });

  it('tells apart keys that share a slot, and keeps only keys that need no escaping', () => {
    const cache = new UnameCache(10);
    const names = cache.at('n1', 1)!;
    // Same length and first 12 characters: the same slot, confirmed by the whole key.
    const [k1, k2] = ['0123456789ab-one', '0123456789ab-two'];
    cache.keep('n1', 1, [
      entry(k1, 'first'),
      entry(k2, 'second'),
      entry('a', 'x"y'),
      entry('quo"te', 'no'),
      entry('back\\slash', 'no'),
      entry('caf\u00e9', 'no'),
    ]);
    expect(names.item(k1)).toBe(item(k1, 'first'));
    expect(names.item(k2)).toBe(item(k2, 'second'));
    expect(names.item('0123456789ab-six')).toBeUndefined();
    // An item that is not the key's is not kept under it.
    expect(names.add('other', item('another', 'x'))).toBe(false);
    // A lookup key that only starts like a record is not its key.
    expect(names.item('a"x')).toBeUndefined();
    expect(names.item('a')).toBe(item('a', 'x"y'));
    expect(names.has('quo"te') || names.has('back\\slash') || names.has('caf\u00e9')).toBe(false);
    expect([...names.keys()]).toEqual([k1, k2, 'a']);
    expect(cache.size).toBe(3);
  });

  it('finds every entry of a grown table, in order, and drops the oldest exactly', () => {
    const cache = new UnameCache(5_000);
    const keys = Array.from({ length: 5_000 }, (_, i) => `${i.toString(16).padStart(8, '0')}`);
    const names = cache.at('n1', 1)!;
    cache.keep(
      'n1',
      1,
      keys.map((k, i) => entry(k, `v${i}`)),
    );
    expect(names.size).toBe(5_000);
    expect(keys.every((k, i) => names.item(k) === item(k, `v${i}`))).toBe(true);
    expect(names.item('ffffffff')).toBeUndefined();
    // Full: the next entry drops the oldest hundredth (50 entries) of the largest network.
    cache.keep('n1', 1, [entry('new', 'x')]);
    expect(names.size).toBe(4_951);
    expect(names.has(keys[49]!)).toBe(false);
    expect(names.item(keys[50]!)).toBe(item(keys[50]!, 'v50'));
    expect(names.item('new')).toBe(item('new', 'x'));
    expect([...names.keys()].slice(0, 2)).toEqual([keys[50], keys[51]]);
  });

  it('answers a lookup from cached items, telling repeats from keys that share a hash', async () => {
    const cache = new UnameCache(10);
    // Same length and first 12 characters: the same hash, told apart by the whole key.
    const [k1, k2] = ['0123456789abcdef01', '0123456789abcdef02'];
    cache.at('n1', 3);
    cache.keep('n1', 3, [entry(k1, 'one'), entry(k2, 'two')]);
    const ctx = { network: { lookup_version: 3 }, services: { unameCache: cache } };
    const out = await BatchLookupUserUname(
      ctx as unknown as Parameters<typeof BatchLookupUserUname>[0],
      {
        networkId: 'n1',
        unames: [k1, k2, k1.toUpperCase(), k2],
      },
    );
    // Written as the pipeline writes it: the output's serializer joining the items.
    expect(JSON.parse(compileSerializer(contract.BatchLookupUserUname)(out))).toEqual({
      message: '2 items resolved, 2 failed.',
      successful: [
        { uname: k1, username: 'one' },
        { uname: k2, username: 'two' },
      ],
      failed: [
        {
          uname: k1.toUpperCase(),
          field: 'uname',
          reason:
            'unames[2] repeats unames[0] (the same uname, case-insensitively); only the first is processed.',
        },
        {
          uname: k2,
          field: 'uname',
          reason:
            'unames[3] repeats unames[1] (the same uname, case-insensitively); only the first is processed.',
        },
      ],
    });
  });

  it('is disabled with a capacity of 0', () => {
    const cache = new UnameCache(0);
    expect(cache.at('n1', 1)).toBeUndefined();
    cache.keep('n1', 1, [entry('a', '1')]);
    expect(cache.size).toBe(0);
  });
});

describe('networks.lookup_version (SQLite triggers)', () => {
  let store: Store;
  const version = async (id: string) =>
    Number(
      (
        await store.db
          .selectFrom('networks')
          .select('lookup_version')
          .where('network_id', '=', id)
          .executeTakeFirstOrThrow()
      ).lookup_version,
    );
  const addNetwork = (id: string) => insertNetworkRow(store.db, id);
  const addMember = (network: string, username: string) =>
    store.db
      .insertInto('members')
      .values(newMember({ network_id: network, uname_key: '00' }, 'user', username, 0))
      .execute();

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('moves on every added, renamed or removed member, and on nothing else', async () => {
    await addNetwork('10000001');
    await addNetwork('10000002');
    const start = await version('10000001');
    const other = await version('10000002');
    expect(start).not.toBe(other);

    await addMember('10000001', 'alice');
    const added = await version('10000001');
    expect(added).not.toBe(start);

    await sql`UPDATE members SET status = 2 WHERE username = 'alice'`.execute(store.db);
    expect(await version('10000001')).toBe(added);

    await sql`UPDATE members SET username = 'Alice' WHERE username = 'alice'`.execute(store.db);
    const renamed = await version('10000001');
    expect(renamed).not.toBe(added);

    await sql`UPDATE members SET uname = 'u-other' WHERE username = 'Alice'`.execute(store.db);
    const reUnamed = await version('10000001');
    expect(reUnamed).not.toBe(renamed);

    await sql`DELETE FROM members WHERE username = 'Alice'`.execute(store.db);
    expect(await version('10000001')).not.toBe(reUnamed);
    // The other network never moved.
    expect(await version('10000002')).toBe(other);
  });

  it('never gives a network created again under its ID a version seen before', async () => {
    await addNetwork('10000001');
    await addMember('10000001', 'alice');
    const seen = new Set([await version('10000001')]);
    await sql`DELETE FROM networks WHERE network_id = '10000001'`.execute(store.db);
    await addNetwork('10000001');
    const again = await version('10000001');
    expect(seen.has(again)).toBe(false);
    await addMember('10000001', 'alice');
    expect(seen.has(await version('10000001'))).toBe(false);
  });
});
