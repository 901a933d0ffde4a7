/** Users: invited by admins, registered by people, looked up by uname, suspended, deleted. */
import type { Static } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { User } from '../contract/users.js';
import { notFound, validationError, type Reason } from '../protocol/errors.js';
import type { MemberRow, NetworkRow } from '../store/schema.js';
import { compiledQuery } from '../store/compiled.js';
import { engineOf } from '../store/database.js';
import {
  batchMessage,
  containsFolded,
  distinct,
  epochSeconds,
  flag,
  listPage,
  repeatReason,
  repeatsOf,
  requireNetwork,
  sortKeyset,
} from './common.js';
import type { Ctx, Handler } from './context.js';
import { groupIdsOf, newMember } from './members.js';
import {
  DEFAULT_INVITE_TTL_DAYS,
  MAX_INVITE_TTL_DAYS,
  generateInviteCode,
  inviteExpiry,
  queueInvitations,
  unameOf,
  withdrawMail,
  type Invitation,
} from './invitations.js';
import { requireGroup } from './security-groups.js';

type UserOut = Static<typeof User>;
type Failure = { userId: string; field: string; reason: string };

export const MAX_USERNAME_LENGTH = 256;
export const MAX_INVITE_CODE_LENGTH = 64;

// ---------- reading ----------

export function isInviteExpired(
  m: Pick<MemberRow, 'status' | 'invite_expires_at'>,
  now: number,
): boolean {
  return m.status === 1 && m.invite_expires_at !== null && Number(m.invite_expires_at) < now;
}

/** The columns a User is rendered from (lists select only these). */
export const USER_COLUMNS = [
  'member_id',
  'username',
  'uname',
  'first_name',
  'last_name',
  'status',
  'suspended',
  'is_admin',
  'otp_enabled',
  'scim_id',
  'cell',
  'country_code',
  'challenge_failures',
  'invite_code',
  'invite_expires_at',
  'invite_declined_at',
  'code_validation',
  'group_ids',
] as const;
export type UserRow = Pick<MemberRow, (typeof USER_COLUMNS)[number]>;

export function renderUser(m: UserRow, groups: string[], now: number): UserOut {
  // Built by assignment rather than conditional spreads: lists render 100 of these a page.
  const u: UserOut = { userId: String(m.member_id) };
  if (m.first_name !== null) u.firstName = m.first_name;
  if (m.last_name !== null) u.lastName = m.last_name;
  u.username = m.username;
  u.securityGroups = groups;
  u.isAdmin = m.is_admin === 1;
  u.suspended = m.suspended === 1;
  u.status = m.status;
  u.otpEnabled = m.otp_enabled === 1;
  if (m.scim_id !== null) u.scimId = m.scim_id;
  u.type = 'user';
  if (m.cell !== null) u.cell = m.cell;
  if (m.country_code !== null) u.countryCode = m.country_code;
  u.challengeFailures = m.challenge_failures;
  u.isInviteExpired = isInviteExpired(m, now);
  u.isUser = true;
  // A declined invitation's (custom) code is kept for the next reinvite, but not shown.
  if (m.status === 1 && m.invite_code !== null && m.invite_declined_at === null) {
    u.inviteCode = m.invite_code;
  }
  u.codeValidation = m.code_validation === 1;
  u.uname = m.uname;
  return u;
}

export function renderUsers(ctx: Ctx, rows: UserRow[]): UserOut[] {
  const now = ctx.services.now();
  return rows.map((r) => renderUser(r, groupIdsOf(r), now));
}

export async function findUsers(
  ctx: Ctx,
  networkId: string,
  ids: string[],
): Promise<Map<string, MemberRow>> {
  const numeric = ids.map(Number).filter((n) => Number.isSafeInteger(n));
  if (numeric.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('members')
    .selectAll()
    .where('network_id', '=', networkId)
    .where('kind', '=', 'user')
    .where('member_id', 'in', numeric)
    .execute();
  return new Map(rows.map((r) => [String(r.member_id), r]));
}

export async function requireUser(ctx: Ctx, networkId: string, userId: string): Promise<MemberRow> {
  const user = (await findUsers(ctx, networkId, [userId])).get(String(Number(userId)));
  if (!user) throw notFound(`User ${userId} was not found in network ${networkId}.`);
  return user;
}

/** Missing security groups among `ids`, for per-item failures. */
async function existingGroups(ctx: Ctx, networkId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ctx.db
    .selectFrom('security_groups')
    .select('group_id')
    .where('network_id', '=', networkId)
    .where('group_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.group_id));
}

/** Users and bots holding any of these usernames (lowercased), by lowercased username. */
export async function takenUsernames(
  ctx: Ctx,
  networkId: string,
  lowercased: string[],
): Promise<Map<string, { member_id: number; kind: string }>> {
  if (lowercased.length === 0) return new Map();
  const rows = await ctx.db
    .selectFrom('members')
    .select(['member_id', 'kind', 'username_lc'])
    .where('network_id', '=', networkId)
    .where('username_lc', 'in', lowercased)
    .execute();
  return new Map(
    rows.map((r) => [r.username_lc, { member_id: Number(r.member_id), kind: r.kind }]),
  );
}

// ---------- shared checks ----------

function checkUsername(field: string, username: string, reasons: Reason[]): void {
  if (username.trim().length === 0) reasons.push({ field, reason: 'must not be empty' });
  else if (username !== username.trim()) {
    reasons.push({ field, reason: 'must not start or end with white space' });
  } else if (username.length > MAX_USERNAME_LENGTH) {
    reasons.push({ field, reason: `must be at most ${MAX_USERNAME_LENGTH} characters long` });
  }
}

function checkInvite(
  prefix: string,
  item: { inviteCode?: string; inviteCodeTtl?: number },
  reasons: Reason[],
): void {
  if (item.inviteCode !== undefined) {
    if (!/^\S{4,}$/.test(item.inviteCode) || item.inviteCode.length > MAX_INVITE_CODE_LENGTH) {
      reasons.push({
        field: `${prefix}inviteCode`,
        reason: `must be 4 to ${MAX_INVITE_CODE_LENGTH} characters without white space`,
      });
    }
  }
  if (
    item.inviteCodeTtl !== undefined &&
    (item.inviteCodeTtl < 1 || item.inviteCodeTtl > MAX_INVITE_TTL_DAYS)
  ) {
    reasons.push({
      field: `${prefix}inviteCodeTtl`,
      reason: `must be between 1 and ${MAX_INVITE_TTL_DAYS} days`,
    });
  }
}

/** User IDs as batch results echo them: canonical ("0123" → "123"). */
const canonicalId = (id: string) => String(Number(id));

/**
 * A batch's user IDs: the distinct ones to look up, and for each item in request order
 * either its ID or a failure because it repeats an earlier item.
 */
function userIdItems(userIds: string[]) {
  const ids = userIds.map(canonicalId);
  const repeats = repeatsOf(ids, String);
  const items = ids.map((id, i) => {
    const first = repeats.get(i);
    return first === undefined
      ? { id }
      : {
          id,
          failure: {
            userId: id,
            field: 'userId',
            reason: repeatReason('userIds', i, first, 'the same user ID'),
          },
        };
  });
  return { distinct: ids.filter((_, i) => !repeats.has(i)), items };
}

/** The failure of an ID that names no user of the network. */
const unknownUser = (id: string, networkId: string): Failure => ({
  userId: id,
  field: 'userId',
  reason: `User ${id} was not found in network ${networkId}.`,
});

// ---------- operations ----------

export const BatchCreateUser: Handler<'BatchCreateUser'> = async (ctx, input) => {
  const reasons: Reason[] = [];
  input.users.forEach((u, i) => {
    checkUsername(`users[${i}].username`, u.username, reasons);
    checkInvite(`users[${i}].`, u, reasons);
    if (u.securityGroupIds.length === 0) {
      reasons.push({
        field: `users[${i}].securityGroupIds`,
        reason: 'must name at least one security group',
      });
    }
  });
  if (reasons.length) throw validationError(reasons);

  const network = await requireNetwork(ctx, input.networkId);
  const repeats = repeatsOf(input.users, (u) => u.username.toLowerCase());
  const items = input.users.filter((_, i) => !repeats.has(i));
  const taken = await takenUsernames(
    ctx,
    network.network_id,
    items.map((u) => u.username.toLowerCase()),
  );
  const groups = await existingGroups(ctx, network.network_id, [
    ...new Set(items.flatMap((u) => u.securityGroupIds)),
  ]);
  const now = ctx.services.now();
  const failed: Failure[] = [];
  const toCreate: typeof items = [];
  input.users.forEach((u, i) => {
    const first = repeats.get(i);
    const clash = taken.get(u.username.toLowerCase());
    const missing = u.securityGroupIds.filter((g) => !groups.has(g));
    if (first !== undefined) {
      failed.push({
        userId: '',
        field: 'username',
        reason: repeatReason('users', i, first, 'the same username, case-insensitively'),
      });
    } else if (clash) {
      failed.push({
        userId: String(clash.member_id),
        field: 'username',
        reason: `The username ${u.username} is already taken in network ${network.network_id} by ${clash.kind} ${clash.member_id}.`,
      });
    } else if (missing.length > 0) {
      failed.push({
        userId: '',
        field: 'securityGroupIds',
        reason: `Security group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in network ${network.network_id}.`,
      });
    } else toCreate.push(u);
  });

  const created = await insertUsers(ctx, network, toCreate, now);
  await queueInvitations(
    ctx,
    created.map((m) => invitationFor(network, m)),
    false,
  );
  // The groups in the order they were given: insertUsers stored them so in group_ids.
  const successful = created.map((m) =>
    renderUser(m, m.group_ids ? m.group_ids.split(',') : [], now),
  );
  return {
    message: batchMessage('created', successful.length, failed.length),
    successful,
    failed,
  };
};

export function invitationFor(network: NetworkRow, m: MemberRow): Invitation {
  return {
    networkId: network.network_id,
    networkName: network.network_name,
    memberId: Number(m.member_id),
    username: m.username,
    inviteCode: m.invite_code ?? '',
    expiresAt: Number(m.invite_expires_at),
  };
}

type CreateItem = {
  username: string;
  firstName?: string;
  lastName?: string;
  securityGroupIds: string[];
  inviteCode?: string;
  inviteCodeTtl?: number;
  codeValidation?: boolean;
};

/** Inserts pending users with their memberships; returns the stored rows in input order. */
export async function insertUsers(
  ctx: Ctx,
  network: NetworkRow,
  items: CreateItem[],
  now: number,
): Promise<MemberRow[]> {
  if (items.length === 0) return [];
  const groups = items.map((u) => distinct(u.securityGroupIds));
  const values = items.map((u, i) => {
    const ttl = u.inviteCodeTtl ?? DEFAULT_INVITE_TTL_DAYS;
    return newMember(network, 'user', u.username, now, {
      first_name: u.firstName ?? null,
      last_name: u.lastName ?? null,
      first_name_lc: lowerOrNull(u.firstName),
      last_name_lc: lowerOrNull(u.lastName),
      invite_code: u.inviteCode ?? generateInviteCode(),
      invite_code_custom: flag(u.inviteCode !== undefined),
      invite_expires_at: inviteExpiry(now, ttl),
      invite_ttl_days: ttl,
      code_validation: flag(u.codeValidation),
      group_id: u.securityGroupIds[0] ?? null,
      // What the member_groups triggers would set: stored now, they need not rewrite the row.
      group_ids: groups[i]!.join(','),
    });
  });
  const rows = await ctx.db.insertInto('members').values(values).returningAll().execute();
  const byName = new Map(rows.map((r) => [r.username_lc, r]));
  const ordered = items.map((u) => byName.get(u.username.toLowerCase())!);
  const memberships = items.flatMap((_, i) =>
    groups[i]!.map((g) => ({
      member_id: Number(ordered[i]!.member_id),
      network_id: network.network_id,
      group_id: g,
    })),
  );
  for (let i = 0; i < memberships.length; i += 300) {
    await ctx.db
      .insertInto('member_groups')
      .values(memberships.slice(i, i + 300))
      .execute();
  }
  return ordered.map((r) => ({ ...r, member_id: Number(r.member_id) }));
}

/** The network's lookup_version, when it belongs to the caller (a compiled hot query). */
const lookupVersionOf = compiledQuery<[string, string, string], { lookup_version: number }>((db) =>
  db
    .selectFrom('networks')
    .select('lookup_version')
    .where('network_id', '=', '')
    .where('account_id', '=', '')
    .where('region', '=', ''),
);

export const BatchLookupUserUname: Handler<'BatchLookupUserUname'> = async (ctx, input) => {
  // The tenancy check also reads the version the cache's entries must match; it comes
  // first, so names read below are never older than the version they are kept under.
  const [network] = await lookupVersionOf(
    ctx.db,
    input.networkId,
    ctx.principal.accountId,
    ctx.principal.region,
  );
  if (!network) throw notFound(`Network ${input.networkId} was not found.`);
  const version = network.lookup_version;
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
  if (missing.size > 0) {
    // SQLite without statistics (a database never ANALYZEd) would rather scan the network in
    // the covering list index than seek the unique uname index once per uname: name it.
    const members =
      engineOf(ctx.db) === 'sqlite' ? sql`members INDEXED BY members_uname` : sql`members`;
    const { rows } = await sql<{ uname: string; username: string }>`
      SELECT uname, username FROM ${members}
      WHERE network_id = ${input.networkId} AND uname IN (${sql.join([...missing])})`.execute(
      ctx.db,
    );
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

export const BatchReinviteUser: Handler<'BatchReinviteUser'> = async (ctx, input) => {
  const network = await requireNetwork(ctx, input.networkId);
  const batch = userIdItems(input.userIds);
  const users = await findUsers(ctx, network.network_id, batch.distinct);
  const now = ctx.services.now();
  const successful: { userId: string }[] = [];
  const failed: Failure[] = [];
  const invitations: Invitation[] = [];
  for (const { id, failure } of batch.items) {
    const u = users.get(id);
    const fail = (reason: string) => failed.push({ userId: id, field: 'userId', reason });
    if (failure) failed.push(failure);
    else if (!u) failed.push(unknownUser(id, network.network_id));
    else if (u.suspended === 1)
      fail(`User ${id} is suspended; unsuspend the user before reinviting.`);
    else if (u.status !== 1)
      fail(`User ${id} is already active (registered); only pending users can be reinvited.`);
    else {
      // A custom code is re-sent as it is; a generated one is replaced, so the old one stops working.
      const code =
        u.invite_code_custom === 1 && u.invite_code ? u.invite_code : generateInviteCode();
      const expires = inviteExpiry(now, u.invite_ttl_days);
      const updated = await ctx.db
        .updateTable('members')
        .set({
          invite_code: code,
          invite_expires_at: expires,
          // An administrator's reinvite also lifts a registration lockout and renews a
          // declined invitation.
          challenge_failures: 0,
          invite_declined_at: null,
          modified: now,
        })
        .where('member_id', '=', u.member_id)
        .where('status', '=', 1)
        .where('suspended', '=', 0)
        .executeTakeFirst();
      // Deleted, registered or suspended by a concurrent request since it was read.
      if (Number(updated.numUpdatedRows) !== 1) {
        fail(
          `User ${id} changed while being reinvited (deleted, registered or suspended); try again.`,
        );
        continue;
      }
      invitations.push(
        invitationFor(network, { ...u, invite_code: code, invite_expires_at: expires }),
      );
      successful.push({ userId: id });
    }
  }
  await queueInvitations(ctx, invitations, true);
  return {
    message: batchMessage('reinvited', successful.length, failed.length),
    successful,
    failed,
  };
};

/** A batch's users of the network, and a failure for each unknown or repeated ID, in order. */
async function resolveUsers(ctx: Ctx, networkId: string, userIds: string[]) {
  const batch = userIdItems(userIds);
  const users = await findUsers(ctx, networkId, batch.distinct);
  const found: string[] = [];
  const failed: Failure[] = [];
  for (const { id, failure } of batch.items) {
    if (failure) failed.push(failure);
    else if (users.has(id)) found.push(id);
    else failed.push(unknownUser(id, networkId));
  }
  return { found, failed };
}

export const BatchToggleUserSuspendStatus: Handler<'BatchToggleUserSuspendStatus'> = async (
  ctx,
  input,
) => {
  const network = await requireNetwork(ctx, input.networkId);
  const { found, failed } = await resolveUsers(ctx, network.network_id, input.userIds);
  if (found.length > 0) {
    await ctx.db
      .updateTable('members')
      .set({ suspended: flag(input.suspend), modified: ctx.services.now() })
      .where('network_id', '=', network.network_id)
      .where('member_id', 'in', found.map(Number))
      .execute();
    // A suspended user cannot register: queued invitations are withdrawn (unsuspending does
    // not bring them back; a reinvite sends a new one).
    if (input.suspend) await withdrawMail(ctx.db, found.map(Number));
  }
  return {
    message: batchMessage(input.suspend ? 'suspended' : 'unsuspended', found.length, failed.length),
    successful: found.map((userId) => ({ userId })),
    failed,
  };
};

export const BatchDeleteUser: Handler<'BatchDeleteUser'> = async (ctx, input) => {
  const network = await requireNetwork(ctx, input.networkId);
  const resolved = await resolveUsers(ctx, network.network_id, input.userIds);
  const { failed } = resolved;
  const found = resolved.found.map(Number);
  if (found.length > 0) {
    // Members first: on PostgreSQL this waits for a concurrent reinvite holding the rows, so
    // the invitations it queued are visible to, and withdrawn by, the next statement.
    await ctx.db.deleteFrom('members').where('member_id', 'in', found).execute();
    await ctx.db
      .deleteFrom('outbox')
      .where('member_id', 'in', found)
      .where('status', '=', 'pending')
      .execute();
  }
  return {
    message: batchMessage('deleted', found.length, failed.length),
    successful: found.map((id) => ({ userId: String(id) })),
    failed,
  };
};

export const GetUser: Handler<'GetUser'> = async (ctx, input) => {
  await requireNetwork(ctx, input.networkId);
  const u = await requireUser(ctx, input.networkId, input.userId);
  const groups = groupIdsOf(u);
  const inWindow = (t: number | null) =>
    t !== null &&
    (input.startTime === undefined || t >= input.startTime * 1000) &&
    (input.endTime === undefined || t <= input.endTime * 1000);
  const lastActivity = u.last_activity === null ? null : Number(u.last_activity);
  return {
    userId: String(u.member_id),
    ...(u.first_name !== null ? { firstName: u.first_name } : {}),
    ...(u.last_name !== null ? { lastName: u.last_name } : {}),
    username: u.username,
    isAdmin: u.is_admin === 1,
    suspended: u.suspended === 1,
    status: u.status,
    ...(inWindow(lastActivity) ? { lastActivity: epochSeconds(lastActivity!) } : {}),
    ...(u.last_login !== null ? { lastLogin: epochSeconds(Number(u.last_login)) } : {}),
    securityGroupIds: groups,
  };
};

export const GetUsersCount: Handler<'GetUsersCount'> = async (ctx, input) => {
  await requireNetwork(ctx, input.networkId);
  const rows = await ctx.db
    .selectFrom('members')
    .select((eb) => [
      'status',
      eb.case().when('invite_declined_at', 'is not', null).then(1).else(0).end().as('declined'),
      eb.fn.countAll<number>().as('n'),
    ])
    .where('network_id', '=', input.networkId)
    .where('kind', '=', 'user')
    .groupBy(['status', 'declined'])
    .execute();
  let pending = 0;
  let active = 0;
  let rejected = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if (r.status === 2) active += n;
    else if (Number(r.declined) === 1) rejected += n;
    else pending += n;
  }
  // As documented: total is active and pending combined (declined invitations are apart).
  const total = pending + active;
  return {
    pending,
    active,
    rejected,
    remaining: Math.max(0, ctx.services.config.maxUsersPerNetwork - total),
    total,
  };
};

const USER_SORTS = {
  username: 'username_lc',
  firstName: "coalesce(first_name_lc, '')",
  lastName: "coalesce(last_name_lc, '')",
  status: 'status',
  groupId: "coalesce(group_id, '')",
};

export const lowerOrNull = (s: string | undefined | null) =>
  s === undefined || s === null ? null : s.toLowerCase();

export const ListUsers: Handler<'ListUsers'> = async (ctx, input) => {
  await requireNetwork(ctx, input.networkId);
  const keyset = sortKeyset(input, USER_SORTS, ['username'], 'member_id');
  let qb = ctx.db
    .selectFrom('members')
    .select(USER_COLUMNS)
    .where('network_id', '=', input.networkId)
    .where('kind', '=', 'user');
  if (input.status !== undefined) qb = qb.where('status', '=', input.status);
  if (input.username !== undefined) {
    qb = qb.where(containsFolded('username_lc', input.username));
  }
  if (input.firstName !== undefined) {
    qb = qb.where(containsFolded('first_name_lc', input.firstName));
  }
  if (input.lastName !== undefined) {
    qb = qb.where(containsFolded('last_name_lc', input.lastName));
  }
  if (input.groupId !== undefined) {
    const g = input.groupId;
    qb = qb.where((eb) =>
      eb.exists(
        eb
          .selectFrom('member_groups as mg')
          .select('mg.member_id')
          .whereRef('mg.member_id', '=', 'members.member_id')
          .where('mg.group_id', '=', g),
      ),
    );
  }
  const scope = `ListUsers|${input.networkId}|${JSON.stringify([input.status, input.username, input.firstName, input.lastName, input.groupId])}`;
  const page = await listPage(ctx, scope, qb, keyset, input);
  return {
    users: renderUsers(ctx, page.rows),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const ListSecurityGroupUsers: Handler<'ListSecurityGroupUsers'> = async (ctx, input) => {
  await requireNetwork(ctx, input.networkId);
  await requireGroup(ctx, input.networkId, input.groupId);
  const keyset = sortKeyset(
    input,
    {
      username: USER_SORTS.username,
      firstName: USER_SORTS.firstName,
      lastName: USER_SORTS.lastName,
    },
    ['username'],
    'member_id',
  );
  const qb = ctx.db
    .selectFrom('members')
    .select(USER_COLUMNS)
    .where('network_id', '=', input.networkId)
    .where('kind', '=', 'user')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('member_groups as mg')
          .select('mg.member_id')
          .whereRef('mg.member_id', '=', 'members.member_id')
          .where('mg.group_id', '=', input.groupId),
      ),
    );
  const page = await listPage(
    ctx,
    `ListSecurityGroupUsers|${input.networkId}|${input.groupId}`,
    qb,
    keyset,
    input,
  );
  return {
    users: renderUsers(ctx, page.rows),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const UpdateUser: Handler<'UpdateUser'> = async (ctx, input) => {
  const d = input.userDetails ?? {};
  const reasons: Reason[] = [];
  if (d.username !== undefined) checkUsername('userDetails.username', d.username, reasons);
  checkInvite('userDetails.', d, reasons);
  if (d.securityGroupIds !== undefined && d.securityGroupIds.length === 0) {
    reasons.push({
      field: 'userDetails.securityGroupIds',
      reason: 'must name at least one security group',
    });
  }
  if (reasons.length) throw validationError(reasons);

  const network = await requireNetwork(ctx, input.networkId);
  const user = await requireUser(ctx, network.network_id, input.userId);
  const now = ctx.services.now();
  const change: Record<string, unknown> = { modified: now };
  if (d.firstName !== undefined) {
    change['first_name'] = d.firstName;
    change['first_name_lc'] = lowerOrNull(d.firstName);
  }
  if (d.lastName !== undefined) {
    change['last_name'] = d.lastName;
    change['last_name_lc'] = lowerOrNull(d.lastName);
  }
  if (d.username !== undefined && d.username !== user.username) {
    const clash = (await takenUsernames(ctx, network.network_id, [d.username.toLowerCase()])).get(
      d.username.toLowerCase(),
    );
    if (clash && clash.member_id !== Number(user.member_id)) {
      throw validationError([
        { field: 'userDetails.username', reason: `${d.username} is already taken in this network` },
      ]);
    }
    change['username'] = d.username;
    change['username_lc'] = d.username.toLowerCase();
    change['uname'] = unameOf(network.uname_key, d.username);
  }
  if (d.securityGroupIds !== undefined) {
    const wanted = distinct(d.securityGroupIds);
    const have = await existingGroups(ctx, network.network_id, wanted);
    const missing = wanted.filter((g) => !have.has(g));
    if (missing.length > 0) {
      throw notFound(
        `Security group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in network ${network.network_id}.`,
      );
    }
    await ctx.db
      .deleteFrom('member_groups')
      .where('member_id', '=', Number(user.member_id))
      .execute();
    await ctx.db
      .insertInto('member_groups')
      .values(
        wanted.map((g) => ({
          member_id: Number(user.member_id),
          network_id: network.network_id,
          group_id: g,
        })),
      )
      .execute();
    change['group_id'] = wanted[0];
  }
  if (d.codeValidation !== undefined) change['code_validation'] = flag(d.codeValidation);
  if (d.inviteCode !== undefined || d.inviteCodeTtl !== undefined) {
    if (user.status !== 1) {
      throw validationError([
        {
          field: 'userDetails.inviteCode',
          reason: 'only a pending (not yet registered) user has an invite code',
        },
      ]);
    }
    const ttl = d.inviteCodeTtl ?? user.invite_ttl_days;
    change['invite_ttl_days'] = ttl;
    change['invite_expires_at'] = inviteExpiry(now, ttl);
    if (d.inviteCode !== undefined) {
      change['invite_code'] = d.inviteCode;
      change['invite_code_custom'] = 1;
    }
  }
  await ctx.db
    .updateTable('members')
    .set(change)
    .where('member_id', '=', Number(user.member_id))
    .execute();
  const u = await requireUser(ctx, network.network_id, input.userId);
  const groups = groupIdsOf(u);
  return {
    userId: String(u.member_id),
    networkId: network.network_id,
    securityGroupIds: groups,
    ...(u.first_name !== null ? { firstName: u.first_name } : {}),
    ...(u.last_name !== null ? { lastName: u.last_name } : {}),
    suspended: u.suspended === 1,
    modified: epochSeconds(Number(u.modified)),
    status: u.status,
    ...(u.status === 1 && u.invite_code !== null ? { inviteCode: u.invite_code } : {}),
    ...(u.status === 1 && u.invite_expires_at !== null
      ? { inviteExpiration: epochSeconds(Number(u.invite_expires_at)) }
      : {}),
    codeValidation: u.code_validation === 1,
  };
};
