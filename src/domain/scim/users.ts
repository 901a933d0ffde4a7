/**
 * SCIM Users ↔ Wickr users (docs/scim.md). Every change is the Admin API's: a POST runs
 * BatchCreateUser (the invitation e-mail included), `active` runs
 * BatchToggleUserSuspendStatus, names and the username run UpdateUser, a DELETE runs
 * BatchDeleteUser, all in the request's one transaction (nothing half-applied). What the API
 * answers per item (a username taken) becomes the SCIM status (409 uniqueness).
 */
import { sql } from 'kysely';
import { ApiError, type Reason } from '../../contract/errors.js';
import { invalidValue, scimNotFound, uniqueness, ScimError } from '../../contract/scim-errors.js';
import type { NetworkCtx } from '../context.js';
import { usernameHolder } from '../member-identity.js';
import { patchMembers } from '../owners/members.js';
import { defaultGroupId } from '../security-group-lookup.js';
import { BatchCreateUser, BatchDeleteUser, BatchToggleUserSuspendStatus } from '../user-batches.js';
import { UpdateUser, findUsers } from '../users.js';
import { filterCondition, stringEquals, type FilterAttributes } from './filter.js';
import { applyPatch, onlyMapped } from './patch.js';
import {
  baseUrl,
  groupNames,
  listResponse,
  paging,
  project,
  renderUser,
  USER_SCHEMA,
  type Json,
} from './resources.js';
import { readPatch, readUser, type UserState } from './values.js';

/** The most users one page holds (ServiceProviderConfig's filter.maxResults). */
export const MAX_PAGE = 200;

const USER_FILTERS: FilterAttributes = {
  // userName is case-insensitive (RFC 7643 caseExact false), as Wickr usernames are.
  username: stringEquals('username_lc', true),
  externalid: stringEquals('scim_id'),
  id: (v) =>
    typeof v === 'string' && /^[0-9]{1,10}$/.test(v)
      ? sql<boolean>`member_id = ${Number(v)}`
      : sql<boolean>`1 = 0`,
};

/** The attributes a PATCH may change (the rest are not stored). */
const USER_MAPPED = new Set(['username', 'name', 'active', 'externalid']);

export interface Projection {
  attributes?: string | undefined;
  excludedAttributes?: string | undefined;
}

export interface ListQuery extends Projection {
  filter?: string | undefined;
  startIndex?: number | undefined;
  count?: number | undefined;
}

const USER_FIELDS = [
  'member_id',
  'username',
  'first_name',
  'last_name',
  'suspended',
  'scim_id',
  'group_ids',
  'created_at',
  'modified',
] as const;

export async function listUsers(ctx: NetworkCtx, q: ListQuery): Promise<Json> {
  const networkId = ctx.network.network_id;
  const page = paging(q, MAX_PAGE);
  let base = ctx.db
    .selectFrom('members')
    .where('network_id', '=', networkId)
    .where('kind', '=', 'user');
  if (q.filter !== undefined) base = base.where(filterCondition(q.filter, USER_FILTERS));
  const { n } = await base
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows =
    page.count === 0
      ? []
      : await base
          .select(USER_FIELDS)
          .orderBy('member_id')
          .limit(page.count)
          .offset(page.offset)
          .execute();
  const url = baseUrl(ctx, networkId);
  const names = await groupNames(ctx, networkId);
  return listResponse(
    rows.map((r) => project(renderUser(url, r, names), q)),
    Number(n),
    page.startIndex,
  );
}

async function requireScimUser(ctx: NetworkCtx, id: string) {
  const user = /^[0-9]{1,10}$/.test(id)
    ? (await findUsers(ctx, ctx.network.network_id, [id])).get(String(Number(id)))
    : undefined;
  if (!user) throw scimNotFound(`User ${id} was not found in network ${ctx.network.network_id}.`);
  return user;
}

export async function getUser(ctx: NetworkCtx, id: string, p: Projection = {}): Promise<Json> {
  const user = await requireScimUser(ctx, id);
  const networkId = ctx.network.network_id;
  return project(renderUser(baseUrl(ctx, networkId), user, await groupNames(ctx, networkId)), p);
}

/** A username some other user or bot of the network holds: 409 uniqueness. */
async function checkUnique(ctx: NetworkCtx, userName: string, self?: number): Promise<void> {
  const holder = await usernameHolder(ctx, ctx.network.network_id, userName);
  if (holder && holder.member_id !== self) {
    throw uniqueness(
      `The userName ${userName} is already taken in network ${ctx.network.network_id}.`,
    );
  }
}

/** An API refusal stated with SCIM's attribute names (a 400 invalidValue). */
const ATTRIBUTE_OF: Record<string, string> = {
  username: 'userName',
  firstName: 'name.givenName',
  lastName: 'name.familyName',
};
function asScim(e: unknown): unknown {
  if (!(e instanceof ApiError) || e instanceof ScimError || e.errorName !== 'ValidationError')
    return e;
  const r: Reason | undefined = e.reasons?.[0];
  const field =
    r?.field
      .split('.')
      .pop()
      ?.replace(/\[\d+\]$/, '') ?? '';
  return invalidValue(ATTRIBUTE_OF[field] ?? field, r?.reason ?? e.message);
}

export async function createUser(ctx: NetworkCtx, body: unknown, p: Projection = {}) {
  const want = readUser(body);
  const networkId = ctx.network.network_id;
  await checkUnique(ctx, want.userName);
  const out = await BatchCreateUser(ctx, {
    networkId,
    users: [
      {
        username: want.userName,
        ...(want.givenName !== null ? { firstName: want.givenName } : {}),
        ...(want.familyName !== null ? { lastName: want.familyName } : {}),
        // A SCIM user starts in the network's default group; Groups add it to others.
        securityGroupIds: [await defaultGroupId(ctx, networkId)],
      },
    ],
  }).catch((e: unknown) => {
    throw asScim(e);
  });
  const made = out.successful?.[0];
  if (!made?.userId) {
    const f = out.failed?.[0];
    if (f?.field === 'username') throw uniqueness(f.reason ?? 'The userName is already taken.');
    throw invalidValue(f?.field ?? 'userName', f?.reason ?? 'was refused');
  }
  if (want.externalId !== null) {
    await patchMembers(ctx.db, ctx.network, [Number(made.userId)], { scim_id: want.externalId });
  }
  // Provisioned inactive: suspended at once (its invitation withdrawn, as a suspension does).
  if (!want.active) await setActive(ctx, made.userId, false);
  return getUser(ctx, made.userId, p);
}

async function setActive(ctx: NetworkCtx, userId: string, active: boolean): Promise<void> {
  await BatchToggleUserSuspendStatus(ctx, {
    networkId: ctx.network.network_id,
    suspend: !active,
    userIds: [userId],
  });
}

/** Brings a user to the state asked for, each difference by the API operation that owns it. */
async function applyUser(ctx: NetworkCtx, id: string, want: UserState): Promise<void> {
  const user = await requireScimUser(ctx, id);
  const userId = String(user.member_id);
  if (want.userName !== user.username) await checkUnique(ctx, want.userName, user.member_id);
  const details: { username?: string; firstName?: string; lastName?: string } = {};
  if (want.userName !== user.username) details.username = want.userName;
  if (want.givenName !== null && want.givenName !== user.first_name)
    details.firstName = want.givenName;
  if (want.familyName !== null && want.familyName !== user.last_name)
    details.lastName = want.familyName;
  if (Object.keys(details).length > 0) {
    await UpdateUser(ctx, {
      networkId: ctx.network.network_id,
      userId,
      userDetails: details,
    }).catch((e: unknown) => {
      throw asScim(e);
    });
  }
  // A name left out of a replacement is cleared (UpdateUser can only set one).
  const cleared = {
    ...(want.givenName === null && user.first_name !== null ? { first_name: null } : {}),
    ...(want.familyName === null && user.last_name !== null ? { last_name: null } : {}),
    ...(want.externalId !== user.scim_id ? { scim_id: want.externalId } : {}),
  };
  if (Object.keys(cleared).length > 0) {
    await patchMembers(ctx.db, ctx.network, [user.member_id], {
      ...cleared,
      modified: ctx.services.now(),
    });
  }
  if (want.active !== (user.suspended !== 1)) await setActive(ctx, userId, want.active);
}

export async function replaceUser(ctx: NetworkCtx, id: string, body: unknown, p: Projection = {}) {
  await applyUser(ctx, id, readUser(body));
  return getUser(ctx, id, p);
}

export async function patchUser(ctx: NetworkCtx, id: string, body: unknown, p: Projection = {}) {
  const ops = onlyMapped(readPatch(body), USER_SCHEMA, USER_MAPPED);
  const current = await getUser(ctx, id);
  await applyUser(ctx, id, readUser(applyPatch(current, ops)));
  return getUser(ctx, id, p);
}

export async function deleteUser(ctx: NetworkCtx, id: string): Promise<void> {
  const user = await requireScimUser(ctx, id);
  await BatchDeleteUser(ctx, {
    networkId: ctx.network.network_id,
    userIds: [String(user.member_id)],
  });
}
