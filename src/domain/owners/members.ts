/**
 * The members table's owner (users and bots share it), with member_groups: the only module
 * that writes either. It keeps the derived columns exact: `username_lc` and `uname` follow
 * `username`, `first_name_lc`/`last_name_lc` follow the names, and a user's `group_id` and
 * `group_ids` follow its security groups.
 */
import { sql, type Kysely, type Updateable } from 'kysely';
import type { Database, MemberRow, MembersTable, NewMember } from '../../store/schema.js';
import { insertRows } from '../../store/insert-rows.js';
import { DEFAULT_INVITE_TTL_DAYS, generateInviteCode, inviteExpiry } from '../invite-codes.js';
import { lowerOrNull, unameOf } from '../member-identity.js';
import { USER_STATUS } from '../../contract/user-status.js';

/** members.status: the API's user status, stored as it goes on the wire. */
export const MEMBER_STATUS = USER_STATUS;
export type MemberStatus = (typeof MEMBER_STATUS)[keyof typeof MEMBER_STATUS];

type Db = Kysely<Database>;
/** What identifies a network's unames: its ID and its uname key. */
export type NetworkKeys = { network_id: string; uname_key: string };
type Derived = 'username_lc' | 'uname' | 'first_name_lc' | 'last_name_lc' | 'group_ids';
type Identity = Pick<NewMember, 'network_id' | 'kind' | 'username'>;

/** A new member row: identity-derived columns computed, everything else at its default. */
export function newMember(
  network: NetworkKeys,
  kind: 'user' | 'bot',
  username: string,
  now: number,
  fields: Partial<Omit<NewMember, keyof Identity | Derived>> = {},
): NewMember {
  return {
    network_id: network.network_id,
    kind,
    username,
    username_lc: username.toLowerCase(),
    // Users and bots alike resolve through BatchLookupUserUname.
    uname: unameOf(network.uname_key, username),
    first_name: null,
    last_name: null,
    display_name: null,
    status: MEMBER_STATUS.PENDING,
    suspended: 0,
    is_admin: 0,
    otp_enabled: 0,
    scim_id: null,
    cell: null,
    country_code: null,
    invite_code: null,
    invite_code_custom: 0,
    invite_expires_at: null,
    invite_ttl_days: 0,
    code_validation: 0,
    challenge_failures: 0,
    challenge_hash: null,
    pubkey: null,
    group_id: null,
    last_login: null,
    last_activity: null,
    registered_at: null,
    created_at: now,
    modified: now,
    ...fields,
    first_name_lc: lowerOrNull(fields.first_name),
    last_name_lc: lowerOrNull(fields.last_name),
  };
}

/**
 * What a member becomes when it first signs in (a user's registration, a bot's first
 * sign-in): active, signed in now, its failed attempts forgotten.
 */
export function activated(now: number) {
  return {
    status: MEMBER_STATUS.ACTIVE,
    challenge_failures: 0,
    last_login: now,
    last_activity: now,
    registered_at: now,
    modified: now,
  } satisfies MemberPatch;
}

export interface UserStart {
  firstName?: string | null;
  lastName?: string | null;
  /**
   * A pending user's invitation: a custom code (generated otherwise) and how many days it is
   * valid (DEFAULT_INVITE_TTL_DAYS otherwise).
   */
  inviteCode?: string;
  inviteTtlDays?: number;
  codeValidation?: boolean;
  /** Registered already (a fixture's): no invitation, signed in at `now`. */
  active?: boolean;
  suspended?: boolean;
  isAdmin?: boolean;
}

/**
 * A new user's row: pending with an invitation (a code and its expiry), or, for a fixture,
 * already active.
 */
export function newUser(
  network: NetworkKeys,
  username: string,
  now: number,
  u: UserStart = {},
): NewMember {
  const ttl = u.inviteTtlDays ?? DEFAULT_INVITE_TTL_DAYS;
  return newMember(network, 'user', username, now, {
    first_name: u.firstName ?? null,
    last_name: u.lastName ?? null,
    suspended: u.suspended ? 1 : 0,
    is_admin: u.isAdmin ? 1 : 0,
    code_validation: u.codeValidation ? 1 : 0,
    invite_ttl_days: ttl,
    ...(u.active
      ? activated(now)
      : {
          invite_code: u.inviteCode ?? generateInviteCode(),
          invite_code_custom: u.inviteCode !== undefined ? 1 : 0,
          invite_expires_at: inviteExpiry(now, ttl),
        }),
  });
}

export interface BotStart {
  displayName?: string | null;
  groupId: string;
  /** Already hashed; null for a bot without a challenge yet (the data-retention bot). */
  challengeHash: string | null;
  /** Signed in already (a fixture's). */
  active?: boolean;
  suspended?: boolean;
}

/** A new bot's row: pending until its first sign-in, in its one security group. */
export function newBot(
  network: NetworkKeys,
  username: string,
  now: number,
  b: BotStart,
): NewMember {
  return newMember(network, 'bot', username, now, {
    display_name: b.displayName ?? null,
    challenge_hash: b.challengeHash,
    group_id: b.groupId,
    suspended: b.suspended ? 1 : 0,
    ...(b.active ? activated(now) : {}),
  });
}

/**
 * A member's security groups, sorted, from `group_ids` (kept exact by the member_groups
 * triggers of migration 007): no query of member_groups per member.
 */
export function groupIdsOf(m: Pick<MemberRow, 'group_ids'>): string[] {
  return m.group_ids ? m.group_ids.split(',').sort() : [];
}

export interface MemberToInsert {
  row: NewMember;
  /** A user's security groups, in order (the first is its `group_id`); bots have none here. */
  groups?: readonly string[];
  /** A fixture's explicit ID. */
  memberId?: number;
}

/** Inserts members (and users' memberships); returns the stored rows in input order. */
export async function insertMembers(db: Db, members: MemberToInsert[]): Promise<MemberRow[]> {
  if (members.length === 0) return [];
  const groups = members.map((m) => [...new Set(m.groups ?? [])]);
  const values = members.map((m, i) => ({
    ...m.row,
    ...(m.groups ? { group_id: groups[i]![0] ?? null } : {}),
    // What the member_groups triggers would set: stored now, they need not rewrite the row.
    ...(m.groups ? { group_ids: groups[i]!.join(',') } : {}),
    ...(m.memberId !== undefined ? { member_id: m.memberId } : {}),
  }));
  const rows = await insertRows(db, 'members', values, '*');
  const byName = new Map(rows.map((r) => [`${r.network_id}\n${r.username_lc}`, r]));
  const ordered = members.map((m) => byName.get(`${m.row.network_id}\n${m.row.username_lc}`)!);
  const memberships = members.flatMap((m, i) =>
    groups[i]!.map((g) => ({
      member_id: Number(ordered[i]!.member_id),
      network_id: m.row.network_id,
      group_id: g,
    })),
  );
  // Kept well under both engines' bound-parameter limits.
  for (let i = 0; i < memberships.length; i += 300) {
    await insertRows(db, 'member_groups', memberships.slice(i, i + 300));
  }
  return ordered.map((r) => ({ ...r, member_id: Number(r.member_id) }));
}

/** Inserts one member (as insertMembers does); returns the stored row. */
export async function insertMember(db: Db, member: MemberToInsert): Promise<MemberRow> {
  return (await insertMembers(db, [member]))[0]!;
}

/** The columns a patch may set directly; the derived ones follow from them. */
export type MemberPatch = Omit<
  Updateable<MembersTable>,
  'member_id' | 'network_id' | 'kind' | 'group_id' | Derived
>;

/** Only rows still in this state are changed (a claim against concurrent requests). */
export interface MemberGuard {
  status?: MemberStatus;
  suspended?: 0 | 1;
  inviteCode?: string;
  /** Only while the invitation has not been declined. */
  notDeclined?: true;
}

/**
 * Changes members of one network; returns how many rows changed. A new `username` needs the
 * network's uname key (`network`), so that `uname` follows it.
 */
export async function patchMembers(
  db: Db,
  network: Pick<NetworkKeys, 'network_id'> & Partial<NetworkKeys>,
  memberIds: readonly number[],
  patch: MemberPatch,
  guard: MemberGuard = {},
): Promise<number> {
  if (memberIds.length === 0) return 0;
  const set: Updateable<MembersTable> = { ...patch };
  if (patch.username !== undefined) {
    if (network.uname_key === undefined) throw new Error('A new username needs the uname key');
    set.username_lc = patch.username.toLowerCase();
    set.uname = unameOf(network.uname_key, patch.username);
  }
  if (patch.first_name !== undefined) set.first_name_lc = lowerOrNull(patch.first_name);
  if (patch.last_name !== undefined) set.last_name_lc = lowerOrNull(patch.last_name);
  let q = db
    .updateTable('members')
    .set(set)
    .where('network_id', '=', network.network_id)
    .where('member_id', 'in', memberIds);
  if (guard.status !== undefined) q = q.where('status', '=', guard.status);
  if (guard.suspended !== undefined) q = q.where('suspended', '=', guard.suspended);
  if (guard.inviteCode !== undefined) q = q.where('invite_code', '=', guard.inviteCode);
  if (guard.notDeclined) q = q.where('invite_declined_at', 'is', null);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * One more failed attempt (registration, bot sign-in); with `below`, only while the count is
 * under it (a reservation concurrent guesses cannot overrun). Whether it was counted.
 */
export async function countFailedAttempt(
  db: Db,
  memberId: number,
  below?: number,
): Promise<boolean> {
  let q = db
    .updateTable('members')
    .set((eb) => ({ challenge_failures: eb('challenge_failures', '+', 1) }))
    .where('member_id', '=', memberId);
  if (below !== undefined) q = q.where('challenge_failures', '<', below);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A user's security groups, replaced (in order: the first becomes its `group_id`). */
export async function setUserGroups(
  db: Db,
  networkId: string,
  memberId: number,
  groups: readonly string[],
): Promise<void> {
  await db.deleteFrom('member_groups').where('member_id', '=', memberId).execute();
  await db
    .insertInto('member_groups')
    .values(groups.map((g) => ({ member_id: memberId, network_id: networkId, group_id: g })))
    .execute();
  await db
    .updateTable('members')
    .set({ group_id: groups[0] ?? null })
    .where('member_id', '=', memberId)
    .execute();
}

/** A bot's one security group. */
export async function setBotGroup(db: Db, memberId: number, groupId: string): Promise<void> {
  await db
    .updateTable('members')
    .set({ group_id: groupId })
    .where('member_id', '=', memberId)
    .execute();
}

/**
 * A security group about to be deleted: members left without any group move to `fallback`
 * (the network's default group), and so do bots in it.
 */
export async function leaveGroup(
  db: Db,
  networkId: string,
  groupId: string,
  fallback: string,
): Promise<void> {
  const orphans = await db
    .selectFrom('member_groups as mg')
    .select('mg.member_id')
    .where('mg.network_id', '=', networkId)
    .where('mg.group_id', '=', groupId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('member_groups as other')
            .select('other.member_id')
            .whereRef('other.member_id', '=', 'mg.member_id')
            .where('other.group_id', '!=', groupId),
        ),
      ),
    )
    .execute();
  await db
    .deleteFrom('member_groups')
    .where('network_id', '=', networkId)
    .where('group_id', '=', groupId)
    .execute();
  if (orphans.length > 0) {
    await db
      .insertInto('member_groups')
      .values(
        orphans.map((o) => ({ member_id: o.member_id, network_id: networkId, group_id: fallback })),
      )
      .execute();
  }
  await db
    .updateTable('members')
    .set({ group_id: fallback })
    .where('network_id', '=', networkId)
    .where('group_id', '=', groupId)
    .execute();
}

/** Deletes members (their devices go with them: ON DELETE CASCADE). */
export async function deleteMembers(db: Db, memberIds: readonly number[]): Promise<void> {
  if (memberIds.length === 0) return;
  await db.deleteFrom('members').where('member_id', 'in', memberIds).execute();
}

/** Networks about to be deleted: their memberships go first (the members cascade). */
export async function deleteNetworkMemberships(
  db: Db,
  networkIds: readonly string[],
): Promise<void> {
  if (networkIds.length === 0) return;
  await db.deleteFrom('member_groups').where('network_id', 'in', networkIds).execute();
}

/**
 * Rows inserted with explicit member IDs (the fixture seed) do not move PostgreSQL's
 * sequence; this moves it past them so later inserts do not collide.
 */
export async function syncMemberIdSequence(db: Db): Promise<void> {
  await sql`select setval(pg_get_serial_sequence('members', 'member_id'), greatest((select max(member_id) from members), 1))`.execute(
    db,
  );
}
