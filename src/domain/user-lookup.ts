/**
 * BatchLookupUserUname, the API's hot path: unames to usernames, from the in-process uname
 * cache when it can (see uname-cache.ts), else from the database. The answer is written here as
 * JSON: the cache keeps each uname's answer item already serialized, so a cached answer is
 * joined, not built and stringified (the pipeline checks it against the output
 * shape and the serializer's bytes in the test suites).
 */
import { usernamesByUname } from '../store/uname-lookup.js';
import { batchMessage, repeatReason } from './common.js';
import { Serialized, type Handler } from './context.js';
import { keyHash } from './uname-cache.js';

/** What follows the uname in its answer item, as JSON: what the cache keeps for it. */
const itemRest = (username: string) => `,"username":${JSON.stringify(username)}}`;

/** The answer item's head, before the uname as sent. */
const HEAD_LENGTH = '{"uname":"'.length;

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
  const items: (string | undefined)[] = new Array<string | undefined>(n);
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
    const item = cached?.item(key, hash);
    if (item === undefined) (missing ??= new Set()).add(key);
    else
      items[i] =
        sent === key
          ? item
          : `{"uname":${JSON.stringify(sent)}${item.slice(HEAD_LENGTH + key.length + 1)}`;
  }
  const first = n - (repeats?.size ?? 0);
  const misses = missing?.size ?? 0;
  cache.hits += first - misses;
  cache.misses += misses;
  if (missing) {
    const rows = await usernamesByUname(ctx.db, input.networkId, missing);
    const found = new Map(rows.map((r) => [r.uname, itemRest(r.username)]));
    cache.keep(input.networkId, version, found);
    for (let i = 0; i < n; i++) {
      const rest = items[i] === undefined && !repeats?.has(i) ? found.get(keys[i]!) : undefined;
      if (rest !== undefined) items[i] = `{"uname":${JSON.stringify(unames[i])}${rest}`;
    }
  }
  let successful = '';
  let failed = '';
  let ok = 0;
  let refused = 0;
  for (let i = 0; i < n; i++) {
    const uname = unames[i]!;
    const item = items[i];
    if (item !== undefined) {
      successful += `${ok++ === 0 ? '' : ','}${item}`;
      continue;
    }
    const earlier = repeats?.get(i);
    const reason =
      earlier !== undefined
        ? repeatReason('unames', i, earlier, 'the same uname, case-insensitively')
        : `No user or bot in network ${input.networkId} has this uname.`;
    // The serializer's member order: required members first.
    failed += `${refused++ === 0 ? '' : ','}${JSON.stringify({ uname, field: 'uname', reason })}`;
  }
  return new Serialized(
    `{"message":${JSON.stringify(batchMessage('resolved', ok, refused))},"successful":[${successful}],"failed":[${failed}]}`,
  );
};
