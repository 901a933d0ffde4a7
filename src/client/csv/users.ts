/**
 * Bulk user administration from CSV, as `wickr-admin users` and the console's CSV import both
 * do it: which columns mean what, what each row asks for or why it cannot be sent (security
 * groups named or given by ID), and each row's result from the API's answer. Pure: the callers
 * read the file and the network and send the requests (./batches.ts), so the CLI and the
 * console give the same file the same per-row results.
 */
import { normaliseHeader as normalise, type CsvTable } from './reader.js';
import type { Input } from '../types.js';

const MAX_USERNAME_LENGTH = 256;

// Header spellings (normalised: lowercase letters and digits) seen in admin-console habits.
const COLUMNS = {
  username: ['username', 'user', 'login'],
  email: ['email', 'emailaddress', 'useremail', 'mail'],
  firstName: ['firstname', 'givenname', 'first'],
  lastName: ['lastname', 'surname', 'familyname', 'last'],
  securityGroupIds: [
    'securitygroupids',
    'securitygroupid',
    'securitygroups',
    'securitygroup',
    'groupids',
    'groupid',
    'groups',
    'group',
  ],
  inviteCode: ['invitecode'],
  inviteCodeTtl: ['invitecodettl', 'invitecodettldays', 'invitettl'],
  codeValidation: ['codevalidation'],
  userId: ['userid', 'id'],
} as const;
export type Column = keyof typeof COLUMNS;
export type Columns = Partial<Record<Column, string>>;

export interface Failure {
  row: number;
  username?: string;
  userId?: string;
  field?: string;
  reason: string;
}

export interface Success {
  row: number;
  username?: string;
  userId: string;
}

export interface Skipped {
  row: number;
  username?: string;
  userId?: string;
  reason: string;
}

export type CreateItem = Input<'BatchCreateUser'>['users'][number];

export interface CreateRow {
  row: number;
  item: CreateItem;
}

export interface TargetRow {
  row: number;
  userId: string;
  username?: string;
}

export interface Group {
  id: string;
  name: string;
  isDefault: boolean;
}

export function findColumns(table: CsvTable): Columns {
  const present = new Set(table.header.map(normalise));
  const cols: Columns = {};
  for (const [col, names] of Object.entries(COLUMNS) as [Column, readonly string[]][]) {
    const hit = names.find((n) => present.has(n));
    if (hit) cols[col] = hit;
  }
  return cols;
}

/** Header names no column takes. */
export function unknownColumns(table: CsvTable, cols: Columns): string[] {
  const used = new Set(Object.values(cols));
  return table.header.filter((h) => h && !used.has(normalise(h)));
}

export function parseBool(s: string): boolean | undefined {
  const v = s.toLowerCase();
  if (['true', 'yes', 'y', '1'].includes(v)) return true;
  if (['false', 'no', 'n', '0'].includes(v)) return false;
  return undefined;
}

/**
 * The BatchCreateUser item of each row, or why the row cannot be sent. `groups` is the
 * network's groups (undefined when they could not be read): a group may be named instead of
 * given by ID, and a row without groups gets the default group.
 */
export function createRows(
  table: CsvTable,
  cols: Columns,
  groups: Group[] | undefined,
): { rows: CreateRow[]; failures: Failure[] } {
  const defaultGroup = groups?.find((g) => g.isDefault);
  const groupIds = new Set((groups ?? []).map((g) => g.id));
  const byName = new Map<string, string[]>();
  for (const g of groups ?? [])
    byName.set(g.name.toLowerCase(), [...(byName.get(g.name.toLowerCase()) ?? []), g.id]);
  const resolveGroup = (ref: string) => {
    if (groupIds.has(ref)) return ref;
    const named = byName.get(ref.toLowerCase());
    // A name is a convenience; an unknown or ambiguous one is sent as-is for the API to reject.
    return named?.length === 1 ? named[0]! : ref;
  };

  const failures: Failure[] = [];
  const seen = new Map<string, number>();
  const rows: CreateRow[] = [];
  for (const r of table.rows) {
    const get = (c: Column) => (cols[c] ? (r.values.get(cols[c]) ?? '') : '');
    const username = get('username') || get('email');
    const fail = (reason: string, field?: string) =>
      failures.push({
        row: r.row,
        ...(username ? { username } : {}),
        ...(field ? { field } : {}),
        reason,
      });
    if (!username) {
      fail('missing username', 'username');
      continue;
    }
    if (username.length > MAX_USERNAME_LENGTH) {
      fail(`username is longer than ${MAX_USERNAME_LENGTH} characters`, 'username');
      continue;
    }
    const first = seen.get(username.toLowerCase());
    if (first !== undefined) {
      fail(`duplicate of row ${first} (usernames are case-insensitive)`, 'username');
      continue;
    }
    seen.set(username.toLowerCase(), r.row);
    const refs = get('securityGroupIds')
      .split(/[;|]/)
      .map((s) => s.trim())
      .filter(Boolean);
    const securityGroupIds = refs.length
      ? [...new Set(refs.map(resolveGroup))]
      : defaultGroup
        ? [defaultGroup.id]
        : [];
    if (securityGroupIds.length === 0) {
      fail(
        groups
          ? 'no security group given and the network has no default group'
          : 'no security group given, and the default group could not be read',
        'securityGroupIds',
      );
      continue;
    }
    const item: CreateItem = { username, securityGroupIds };
    if (get('firstName')) item.firstName = get('firstName');
    if (get('lastName')) item.lastName = get('lastName');
    const code = get('inviteCode');
    if (code) {
      if (/\s/.test(code)) {
        fail('inviteCode must not contain white space', 'inviteCode');
        continue;
      }
      item.inviteCode = code;
    }
    const ttl = get('inviteCodeTtl');
    if (ttl) {
      if (!/^[0-9]+$/.test(ttl) || Number(ttl) < 1) {
        fail(
          `inviteCodeTtl must be a whole number of days (at least 1), not "${ttl}"`,
          'inviteCodeTtl',
        );
        continue;
      }
      item.inviteCodeTtl = Number(ttl);
    }
    const cv = get('codeValidation');
    if (cv) {
      const b = parseBool(cv);
      if (b === undefined) {
        fail(`codeValidation must be true or false, not "${cv}"`, 'codeValidation');
        continue;
      }
      item.codeValidation = b;
    }
    rows.push({ row: r.row, item });
  }
  return { rows, failures };
}

/** Rows naming security groups the network does not have (a dry run's check). */
export function unknownGroupFailures(
  rows: CreateRow[],
  groups: Group[],
  networkId: string,
): { ok: CreateRow[]; failures: Failure[] } {
  const known = new Set(groups.map((g) => g.id));
  const ok: CreateRow[] = [];
  const failures: Failure[] = [];
  for (const r of rows) {
    const missing = r.item.securityGroupIds.filter((g) => !known.has(g));
    if (missing.length) {
      failures.push({
        row: r.row,
        username: r.item.username,
        field: 'securityGroupIds',
        reason: `Security group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in network ${networkId}.`,
      });
    } else ok.push(r);
  }
  return { ok, failures };
}

/**
 * The users the rows of suspend/delete name: by ID (normalised, "007" is 7) or by a username
 * still to be resolved.
 */
export function targetRows(
  table: CsvTable,
  cols: Columns,
): { byId: TargetRow[]; toResolve: { row: number; username: string }[]; failures: Failure[] } {
  const failures: Failure[] = [];
  const byId: TargetRow[] = [];
  const toResolve: { row: number; username: string }[] = [];
  for (const r of table.rows) {
    const get = (c: Column) => (cols[c] ? (r.values.get(cols[c]) ?? '') : '');
    const userId = get('userId');
    const username = get('username') || get('email');
    if (userId) {
      if (!/^[0-9]{1,10}$/.test(userId)) {
        failures.push({
          row: r.row,
          userId,
          field: 'userId',
          reason: 'a userId is 1 to 10 digits',
        });
      } else {
        // The API compares IDs as numbers: "007" is user 7.
        byId.push({
          row: r.row,
          userId: String(Number(userId)),
          ...(username ? { username } : {}),
        });
      }
    } else if (username) {
      toResolve.push({ row: r.row, username });
    } else {
      failures.push({ row: r.row, field: 'userId', reason: 'missing userId and username' });
    }
  }
  return { byId, toResolve, failures };
}

/** One user named twice (by ID and by name, or twice) is acted on once; the rest are skipped. */
export function dedupeTargets(rows: TargetRow[]): { entries: TargetRow[]; skipped: Skipped[] } {
  const entries: TargetRow[] = [];
  const skipped: Skipped[] = [];
  const firstRow = new Map<string, number>();
  for (const e of [...rows].sort((a, b) => a.row - b.row)) {
    const first = firstRow.get(e.userId);
    if (first !== undefined) {
      skipped.push({
        row: e.row,
        userId: e.userId,
        ...(e.username ? { username: e.username } : {}),
        reason: `same user as row ${first}`,
      });
    } else {
      firstRow.set(e.userId, e.row);
      entries.push(e);
    }
  }
  return { entries, skipped };
}

/**
 * Pairs BatchCreateUser's answer with the rows sent. Failed items name no username; the API
 * keeps request order, so the items not created pair with `failed` in order.
 */
export function createOutcome(
  sent: CreateRow[],
  res: CreateResponse,
): { successes: Success[]; failures: Failure[] } {
  const created = new Map((res.successful ?? []).map((u) => [(u.username ?? '').toLowerCase(), u]));
  const failed = res.failed ?? [];
  const successes: Success[] = [];
  const failures: Failure[] = [];
  sent
    .filter((e) => !created.has(e.item.username.toLowerCase()))
    .forEach((e, k) => {
      const f = failed[k];
      failures.push({
        row: e.row,
        username: e.item.username,
        ...(f?.userId ? { userId: f.userId } : {}),
        ...(f?.field ? { field: f.field } : {}),
        reason: f?.reason ?? 'not created (the API gave no reason)',
      });
    });
  for (const e of sent) {
    const u = created.get(e.item.username.toLowerCase());
    if (u) successes.push({ row: e.row, username: e.item.username, userId: u.userId ?? '' });
  }
  return { successes, failures };
}

export interface CreateResponse {
  successful?: { username?: string; userId?: string }[];
  failed?: { userId?: string; field?: string; reason?: string }[];
}

export interface BatchUserResponse {
  successful?: { userId?: string }[];
  failed?: { userId?: string; field?: string; reason?: string }[];
}

/** Pairs a suspend/delete answer (items name their user IDs) with the rows sent. */
export function targetOutcome(
  sent: TargetRow[],
  res: BatchUserResponse,
  verb: string,
): { successes: Success[]; failures: Failure[] } {
  const ok = new Set((res.successful ?? []).map((s) => s.userId));
  const failed = new Map((res.failed ?? []).map((f) => [f.userId, f]));
  const successes: Success[] = [];
  const failures: Failure[] = [];
  for (const e of sent) {
    const label = { userId: e.userId, ...(e.username ? { username: e.username } : {}) };
    const f = failed.get(e.userId);
    if (ok.has(e.userId)) successes.push({ row: e.row, ...label });
    else {
      failures.push({
        row: e.row,
        ...label,
        ...(f?.field ? { field: f.field } : {}),
        reason: f?.reason ?? `not ${verb} (the API gave no reason)`,
      });
    }
  }
  return { successes, failures };
}
