/** Users: read, listed, counted and updated (the batch operations are in user-batches.ts). */
import type { Static } from '@sinclair/typebox';
import type { User } from '../contract/users.js';
import { notFound, validationError, type Reason } from '../contract/errors.js';
import type { MemberRow } from '../store/schema.js';
import { containsFolded, distinct, epochSeconds, flag, listPage, sortKeyset } from './common.js';
import type { Ctx, Handler } from './context.js';
import { checkInvite, inviteExpiry } from './invite-codes.js';
import { checkUsername, takenUsernames } from './member-identity.js';
import {
  MEMBER_STATUS,
  groupIdsOf,
  patchMembers,
  setUserGroups,
  type MemberPatch,
} from './owners/members.js';
import { existingGroups } from './security-group-lookup.js';
import { FREE_TRIAL_MAX_USERS, inPremiumTrial } from './networks.js';

type UserOut = Static<typeof User>;

// ---------- reading ----------

export function isInviteExpired(
  m: Pick<MemberRow, 'status' | 'invite_expires_at'>,
  now: number,
): boolean {
  return (
    m.status === MEMBER_STATUS.PENDING &&
    m.invite_expires_at !== null &&
    Number(m.invite_expires_at) < now
  );
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
  if (
    m.status === MEMBER_STATUS.PENDING &&
    m.invite_code !== null &&
    m.invite_declined_at === null
  ) {
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

const LIST_BY_STATUS = { table: 'members', index: 'members_list_by_status' };

export const USER_SORTS = {
  username: 'username_lc',
  firstName: "coalesce(first_name_lc, '')",
  lastName: "coalesce(last_name_lc, '')",
  status: 'status',
  groupId: "coalesce(group_id, '')",
};

// ---------- operations ----------

export const GetUser: Handler<'GetUser'> = async (ctx, input) => {
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
  const network = ctx.network;
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
    if (r.status === MEMBER_STATUS.ACTIVE) active += n;
    else if (Number(r.declined) === 1) rejected += n;
    else pending += n;
  }
  // As documented: total is active and pending combined (declined invitations are apart).
  const total = pending + active;
  // "Users that can be added while maintaining premium free trial eligibility": during the
  // trial, up to the trial's limit; otherwise up to the server's limit per network.
  const cap = ctx.services.config.maxUsersPerNetwork;
  const limit = inPremiumTrial(network, ctx.services.now())
    ? Math.min(cap, FREE_TRIAL_MAX_USERS)
    : cap;
  return {
    pending,
    active,
    rejected,
    remaining: Math.max(0, limit - total),
    total,
  };
};

export const ListUsers: Handler<'ListUsers'> = async (ctx, input) => {
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
  // With a status, the covering list index serves any filter and order (see indexes.test.ts).
  const index = input.status !== undefined ? LIST_BY_STATUS : undefined;
  const page = await listPage(ctx, scope, qb, keyset, input, index);
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

  const network = ctx.network;
  const user = await requireUser(ctx, network.network_id, input.userId);
  const now = ctx.services.now();
  const change: MemberPatch = { modified: now };
  if (d.firstName !== undefined) change.first_name = d.firstName;
  if (d.lastName !== undefined) change.last_name = d.lastName;
  if (d.username !== undefined && d.username !== user.username) {
    const clash = (await takenUsernames(ctx, network.network_id, [d.username.toLowerCase()])).get(
      d.username.toLowerCase(),
    );
    if (clash && clash.member_id !== Number(user.member_id)) {
      throw validationError([
        { field: 'userDetails.username', reason: `${d.username} is already taken in this network` },
      ]);
    }
    change.username = d.username;
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
    await setUserGroups(ctx.db, network.network_id, Number(user.member_id), wanted);
  }
  if (d.codeValidation !== undefined) change.code_validation = flag(d.codeValidation);
  if (d.inviteCode !== undefined || d.inviteCodeTtl !== undefined) {
    if (user.status !== MEMBER_STATUS.PENDING) {
      throw validationError([
        {
          field: 'userDetails.inviteCode',
          reason: 'only a pending (not yet registered) user has an invite code',
        },
      ]);
    }
    const ttl = d.inviteCodeTtl ?? user.invite_ttl_days;
    change.invite_ttl_days = ttl;
    change.invite_expires_at = inviteExpiry(now, ttl);
    if (d.inviteCode !== undefined) {
      change.invite_code = d.inviteCode;
      change.invite_code_custom = 1;
    }
  }
  await patchMembers(ctx.db, network, [Number(user.member_id)], change);
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
    ...(u.status === MEMBER_STATUS.PENDING && u.invite_code !== null
      ? { inviteCode: u.invite_code }
      : {}),
    ...(u.status === MEMBER_STATUS.PENDING && u.invite_expires_at !== null
      ? { inviteExpiration: epochSeconds(Number(u.invite_expires_at)) }
      : {}),
    codeValidation: u.code_validation === 1,
  };
};
