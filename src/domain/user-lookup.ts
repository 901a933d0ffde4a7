/**
 * BatchLookupUserUname, the API's hot path: unames to usernames, from the in-process uname
 * cache when it can (see uname-cache.ts), else from the database. The answer is written here as
 * JSON: the cache keeps each uname's item already serialized, so a cached answer is joined, not
 * built and stringified (the pipeline checks it against the output shape in the test suites).
 */
import { usernamesByUname } from '../store/uname-lookup.js';
import { batchMessage, repeatReason } from './common.js';
import { Serialized, type Handler } from './context.js';

/** The answer's item for a uname, as JSON: what the cache keeps. */
export const unameItem = (uname: string, username: string): string =>
  `{"uname":${JSON.stringify(uname)},"username":${JSON.stringify(username)}}`;

/** The item of `key`'s cached JSON for the uname as it was sent (another case). */
const asSent = (item: string, key: string, sent: string) =>
  `{"uname":${JSON.stringify(sent)}${item.slice(9 + JSON.stringify(key).length)}`;

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
  const first = new Map<string, number>();
  let repeats: Map<number, number> | undefined;
  let missing: Set<string> | undefined;
  for (let i = 0; i < n; i++) {
    const key = unames[i]!.toLowerCase();
    keys[i] = key;
    const at = first.get(key);
    if (at !== undefined) {
      (repeats ??= new Map()).set(i, at);
      continue;
    }
    first.set(key, i);
    const item = cached?.get(key);
    if (item === undefined) (missing ??= new Set()).add(key);
    else items[i] = item;
  }
  const misses = missing?.size ?? 0;
  cache.hits += first.size - misses;
  cache.misses += misses;
  if (missing) {
    const rows = await usernamesByUname(ctx.db, input.networkId, missing);
    const found = new Map(rows.map((r) => [r.uname, unameItem(r.uname, r.username)]));
    cache.keep(input.networkId, version, found);
    for (let i = 0; i < n; i++) {
      if (items[i] === undefined && !repeats?.has(i)) items[i] = found.get(keys[i]!);
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
      successful += `${ok++ === 0 ? '' : ','}${uname === keys[i] ? item : asSent(item, keys[i]!, uname)}`;
      continue;
    }
    const earlier = repeats?.get(i);
    const reason =
      earlier !== undefined
        ? repeatReason('unames', i, earlier, 'the same uname, case-insensitively')
        : `No user or bot in network ${input.networkId} has this uname.`;
    failed += `${refused++ === 0 ? '' : ','}${JSON.stringify({ field: 'uname', reason, uname })}`;
  }
  return new Serialized(
    `{"message":${JSON.stringify(batchMessage('resolved', ok, refused))},"successful":[${successful}],"failed":[${failed}]}`,
  );
};
