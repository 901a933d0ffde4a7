/**
 * BatchLookupUserUname, the API's hot path: unames to usernames, from the in-process uname
 * cache when it can (see uname-cache.ts), else from the database. Answer items are written by
 * the writers compiled from the contract's item shapes (contract/serialized.ts) and handed to
 * the pipeline as SerializedItems: the cache keeps each found uname's item as its writer wrote
 * it, so a cached answer is joined, not built and stringified again.
 */
import { contract, itemWriter, SerializedItems, type ItemJson } from '../contract/index.js';
import { usernamesByUname } from '../store/uname-lookup.js';
import { batchMessage, repeatReason } from './common.js';
import type { Handler } from './context.js';
import { ITEM_HEAD, keyHash } from './uname-cache.js';

const shape = contract.BatchLookupUserUname.output.properties;
const writeFound = itemWriter(shape.successful);
const writeFailed = itemWriter(shape.failed);
type Found = typeof writeFound extends (item: never) => ItemJson<infer T> ? T : never;

// The cache finds an item by its head (uname-cache.ts): the writer must put the uname first.
if (!writeFound({ uname: 'ab', username: 'x' }).startsWith(`${ITEM_HEAD}ab"`)) {
  throw new Error('The lookup item writer no longer puts the uname first (see uname-cache.ts).');
}

/** The username in a found item (for a uname sent in another case than the cached one). */
const usernameOf = (item: string) => (JSON.parse(item) as Found).username;

/**
 * Repeats within a request are found by the keys' hashes (which the cache's lookup needs
 * anyway) in a small open-addressing table, confirmed by comparing the keys: a Map of the
 * 64-character keys hashed each of them again (~7 µs of a 50-uname lookup). Module-level and
 * reused: it is only used in the synchronous first loop of a request.
 */
let seenHashes = new Int32Array(128);
let seenAt = new Int32Array(128);

export const BatchLookupUserUname: Handler<'BatchLookupUserUname'> = async (ctx, input) => {
  // The tenancy step read the network, and with it the version the cache's entries must
  // match, before this: names read below are never older than the version they are kept under.
  const version = ctx.network.lookup_version;
  const cache = ctx.services.unameCache;
  const cached = cache.at(input.networkId, version);
  const unames = input.unames;
  const n = unames.length;
  // Unames are hex, so any case finds the lower-case one the database holds, and a uname
  // sent again in another case repeats the earlier item.
  const keys: string[] = new Array<string>(n);
  const items: (ItemJson<Found> | undefined)[] = new Array<ItemJson<Found> | undefined>(n);
  if (seenHashes.length < 2 * n) {
    seenHashes = new Int32Array(2 ** Math.ceil(Math.log2(2 * n)));
    seenAt = new Int32Array(seenHashes.length);
  } else seenHashes.fill(0);
  const mask = seenHashes.length - 1;
  let repeats: Map<number, number> | undefined;
  let missing: Set<string> | undefined;
  for (let i = 0; i < n; i++) {
    const sent = unames[i]!;
    const key = sent.toLowerCase();
    keys[i] = key;
    const hash = keyHash(key);
    let earlier = -1;
    for (let p = (hash + 1) & mask; ; p = (p + 1) & mask) {
      const h = seenHashes[p]!;
      if (h === 0) {
        seenHashes[p] = hash + 1;
        seenAt[p] = i;
        break;
      }
      if (h === hash + 1 && keys[seenAt[p]!] === key) {
        earlier = seenAt[p]!;
        break;
      }
    }
    if (earlier !== -1) {
      (repeats ??= new Map()).set(i, earlier);
      continue;
    }
    // The cached item holds the uname in lower case: sent so, it is the answer's item.
    const item = cached?.item(key, hash) as ItemJson<Found> | undefined;
    if (item === undefined) (missing ??= new Set()).add(key);
    else items[i] = sent === key ? item : writeFound({ uname: sent, username: usernameOf(item) });
  }
  const first = n - (repeats?.size ?? 0);
  const misses = missing?.size ?? 0;
  cache.hits += first - misses;
  cache.misses += misses;
  if (missing) {
    const rows = await usernamesByUname(ctx.db, input.networkId, missing);
    // Items of the unames as the database holds them (lower case): what the cache keeps.
    const found = new Map(
      rows.map((r) => [r.uname, writeFound({ uname: r.uname, username: r.username })]),
    );
    cache.keep(input.networkId, version, found);
    for (let i = 0; i < n; i++) {
      if (items[i] !== undefined || repeats?.has(i)) continue;
      const item = found.get(keys[i]!);
      if (item === undefined) continue;
      const sent = unames[i]!;
      items[i] = sent === keys[i] ? item : writeFound({ uname: sent, username: usernameOf(item) });
    }
  }
  const successful: ItemJson<Found>[] = [];
  const failed = [];
  for (let i = 0; i < n; i++) {
    const item = items[i];
    if (item !== undefined) {
      successful.push(item);
      continue;
    }
    const earlier = repeats?.get(i);
    const reason =
      earlier !== undefined
        ? repeatReason('unames', i, earlier, 'the same uname, case-insensitively')
        : `No user or bot in network ${input.networkId} has this uname.`;
    failed.push(writeFailed({ uname: unames[i]!, field: 'uname', reason }));
  }
  return {
    message: batchMessage('resolved', successful.length, failed.length),
    successful: new SerializedItems(successful),
    failed: new SerializedItems(failed),
  };
};
