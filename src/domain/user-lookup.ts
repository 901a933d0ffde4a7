/**
 * BatchLookupUserUname, the API's hot path: unames to usernames, from the in-process uname
 * cache when it can (see uname-cache.ts), else from the database. The answer is written here as
 * JSON: the cache keeps, after each uname, the rest of its answer item already serialized, so a
 * cached answer is joined, not built and stringified (the pipeline checks it against the output
 * shape and the serializer's bytes in the test suites).
 */
import { usernamesByUname } from '../store/uname-lookup.js';
import { batchMessage, repeatReason } from './common.js';
import { Serialized, type Handler } from './context.js';

/** What follows the uname in its answer item, as JSON: what the cache keeps for it. */
const itemRest = (username: string) => `,"username":${JSON.stringify(username)}}`;

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
    // The record is `${key}"${rest}`: with the uname as sent in lower case, the item is the
    // record behind `{"uname":"` (kept keys need no escaping).
    const record = cached?.record(key);
    if (record === undefined) (missing ??= new Set()).add(key);
    else {
      const sent = unames[i]!;
      items[i] =
        sent === key
          ? `{"uname":"${record}`
          : `{"uname":${JSON.stringify(sent)}${record.slice(key.length + 1)}`;
    }
  }
  const misses = missing?.size ?? 0;
  cache.hits += first.size - misses;
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
