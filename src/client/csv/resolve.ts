/**
 * Which user each row of a suspend/unsuspend/delete file names, asked of the network: by
 * username (ListUsers' filter matches substrings, so pages are read until the exact name
 * turns up) or by ID. Whichever takes fewer requests: the whole list once, or a look-up per
 * row. Pure over `Directory`, so the console (its session) and the CLI (the signed client)
 * resolve the same file the same way.
 */
import type { Failure, Skipped, TargetRow } from './users.js';
import { dedupeTargets, targetRows, type Columns } from './users.js';
import type { CsvTable } from './reader.js';

/** A user as the preview shows it. */
export interface DirectoryUser {
  userId?: string;
  username?: string;
  status?: number;
  suspended?: boolean;
}

export interface Directory {
  /** The network's users (whose username contains `username`, when given), page by page. */
  users(username?: string): AsyncIterable<DirectoryUser>;
  /** One user by ID, or undefined when the network has none. */
  user(userId: string): Promise<DirectoryUser | undefined>;
  /** How many users the network has. */
  count(): Promise<number>;
}

export interface ResolvedRow extends TargetRow {
  user: DirectoryUser;
}

export interface Resolution {
  /** One row per user to act on, in file order. */
  entries: ResolvedRow[];
  failures: Failure[];
  /** Rows naming a user an earlier row named. */
  skipped: Skipped[];
}

/** `fn` over `items` with at most `size` calls in flight; results in input order. */
async function pool<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

export async function resolveTargets(
  table: CsvTable,
  cols: Columns,
  dir: Directory,
  networkId: string,
): Promise<Resolution> {
  const { byId, toResolve, failures } = targetRows(table, cols);
  const lookups = byId.length + toResolve.length;
  const byName = new Map<string, DirectoryUser>();
  const byUserId = new Map<string, DirectoryUser>();
  const listed = lookups > 0 && Math.ceil((await dir.count()) / 100) < lookups;
  if (listed) {
    for await (const u of dir.users()) {
      if (u.userId) byUserId.set(String(Number(u.userId)), u);
      if (u.username) byName.set(u.username.toLowerCase(), u);
    }
  } else {
    await pool(toResolve, 4, async (r) => {
      const wanted = r.username.toLowerCase();
      for await (const u of dir.users(r.username)) {
        if ((u.username ?? '').toLowerCase() === wanted) {
          byName.set(wanted, u);
          break;
        }
      }
    });
    await pool(byId, 4, async (r) => {
      const u = await dir.user(r.userId);
      if (u) byUserId.set(r.userId, u);
    });
  }
  const found: ResolvedRow[] = [];
  for (const r of byId) {
    const u = byUserId.get(r.userId);
    if (u) found.push({ ...r, user: u });
    else
      failures.push({
        row: r.row,
        userId: r.userId,
        ...(r.username ? { username: r.username } : {}),
        field: 'userId',
        // The API's own words for an unknown ID.
        reason: `User ${r.userId} was not found in network ${networkId}.`,
      });
  }
  for (const r of toResolve) {
    const u = byName.get(r.username.toLowerCase());
    if (u?.userId) found.push({ row: r.row, userId: u.userId, username: r.username, user: u });
    else
      failures.push({
        row: r.row,
        username: r.username,
        field: 'username',
        reason: `no user named ${r.username} in network ${networkId}`,
      });
  }
  const { entries, skipped } = dedupeTargets(found);
  const user = new Map(found.map((f) => [f.row, f.user]));
  return {
    entries: entries.map((e) => ({ ...e, user: user.get(e.row)! })),
    failures: failures.sort((a, b) => a.row - b.row),
    skipped,
  };
}
