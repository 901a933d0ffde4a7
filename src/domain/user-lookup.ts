/**
 * BatchLookupUserUname, the API's hot path: unames to usernames, from the in-process uname
 * cache when it can (see uname-cache.ts), else from the database.
 */
import { usernamesByUname } from '../store/uname-lookup.js';
import { batchMessage, repeatReason, repeatsOf } from './common.js';
import type { Handler } from './context.js';

export const BatchLookupUserUname: Handler<'BatchLookupUserUname'> = async (ctx, input) => {
  // The tenancy step read the network, and with it the version the cache's entries must
  // match, before this: names read below are never older than the version they are kept under.
  const version = ctx.network.lookup_version;
  const cache = ctx.services.unameCache;
  const cached = cache.at(input.networkId, version);
  // One pass: each uname (as sent) with its answer, from the cache when it can. Unames are
  // hex, so any case finds the lower-case one the database holds, and a uname sent again in
  // another case repeats the earlier item.
  const repeats = repeatsOf(input.unames, (u) => u.toLowerCase());
  const answers = new Map<string, string | undefined>();
  const missing = new Set<string>();
  input.unames.forEach((uname, i) => {
    if (repeats.has(i)) return;
    const key = uname.toLowerCase();
    const username = cached?.get(key);
    answers.set(uname, username);
    if (username === undefined) missing.add(key);
  });
  cache.hits += answers.size - missing.size;
  cache.misses += missing.size;
  if (missing.size > 0) {
    const rows = await usernamesByUname(ctx.db, input.networkId, missing);
    const found = new Map(rows.map((r) => [r.uname, r.username]));
    cache.keep(input.networkId, version, found);
    for (const [uname, username] of answers) {
      if (username === undefined) answers.set(uname, found.get(uname.toLowerCase()));
    }
  }
  const successful: { uname: string; username: string }[] = [];
  const failed: { uname: string; field: string; reason: string }[] = [];
  input.unames.forEach((uname, i) => {
    const first = repeats.get(i);
    const username = answers.get(uname);
    if (first !== undefined) {
      failed.push({
        uname,
        field: 'uname',
        reason: repeatReason('unames', i, first, 'the same uname, case-insensitively'),
      });
    } else if (username !== undefined) successful.push({ uname, username });
    else {
      failed.push({
        uname,
        field: 'uname',
        reason: `No user or bot in network ${input.networkId} has this uname.`,
      });
    }
  });
  return {
    message: batchMessage('resolved', successful.length, failed.length),
    successful,
    failed,
  };
};
