/**
 * SCIM Groups ↔ security groups (docs/scim.md). `displayName` is the group's name; `members`
 * are the users in it. A membership change is UpdateUser's change of the user's security
 * groups (the same rules); a user removed from their last group stays in the network's default
 * group, since a Wickr user is always in at least one. Creating, renaming and deleting a group
 * run CreateSecurityGroup, UpdateSecurityGroup and DeleteSecurityGroup.
 */
import { sql } from 'kysely';
import { ScimError, invalidValue, scimNotFound } from '../../contract/scim-errors.js';
import { ApiError } from '../../contract/errors.js';
import type { NetworkCtx } from '../context.js';
import { groupIdsOf } from '../owners/members.js';
import { defaultGroupId, findGroup } from '../security-group-lookup.js';
import {
  CreateSecurityGroup,
  DeleteSecurityGroup,
  UpdateSecurityGroup,
} from '../security-groups.js';
import { UpdateUser, findUsers } from '../users.js';
import { filterCondition, stringEquals, type FilterAttributes } from './filter.js';
import { applyPatch, onlyMapped } from './patch.js';
import {
  attributeList,
  baseUrl,
  listResponse,
  paging,
  project,
  renderGroup,
  GROUP_SCHEMA,
  type GroupMember,
  type Json,
} from './resources.js';
import { readGroup, readPatch } from './values.js';
import { MAX_PAGE, type ListQuery, type Projection } from './users.js';

/** The attributes a PATCH may change (the rest are not stored). */
const GROUP_MAPPED = new Set(['displayname', 'members']);

const GROUP_FILTERS: FilterAttributes = {
  // displayName is case-insensitive (RFC 7643 caseExact false).
  displayname: (v) =>
    typeof v === 'string' ? sql<boolean>`lower(name) = ${v.toLowerCase()}` : sql<boolean>`1 = 0`,
  id: stringEquals('group_id'),
};

async function membersOf(ctx: NetworkCtx, groupId: string): Promise<GroupMember[]> {
  return ctx.db
    .selectFrom('member_groups as mg')
    .innerJoin('members as m', 'm.member_id', 'mg.member_id')
    .select(['m.member_id', 'm.username'])
    .where('mg.network_id', '=', ctx.network.network_id)
    .where('mg.group_id', '=', groupId)
    .where('m.kind', '=', 'user')
    .orderBy('m.member_id')
    .execute();
}

/** Whether a projection leaves `members` out (Okta and Entra ID ask so for big groups). */
function wantsMembers(p: Projection): boolean {
  const only = attributeList(p.attributes);
  if (only) return only.some((a) => a === 'members' || a.startsWith('members.'));
  return !(attributeList(p.excludedAttributes) ?? []).includes('members');
}

export async function listGroups(ctx: NetworkCtx, q: ListQuery): Promise<Json> {
  const networkId = ctx.network.network_id;
  const page = paging(q, MAX_PAGE);
  let base = ctx.db.selectFrom('security_groups').where('network_id', '=', networkId);
  if (q.filter !== undefined) base = base.where(filterCondition(q.filter, GROUP_FILTERS));
  const { n } = await base
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows =
    page.count === 0
      ? []
      : await base.selectAll().orderBy('group_id').limit(page.count).offset(page.offset).execute();
  const url = baseUrl(ctx, networkId);
  const withMembers = wantsMembers(q);
  const resources: Json[] = [];
  for (const g of rows) {
    const members = withMembers ? await membersOf(ctx, g.group_id) : undefined;
    resources.push(project(renderGroup(url, g, members), q));
  }
  return listResponse(resources, Number(n), page.startIndex);
}

async function requireScimGroup(ctx: NetworkCtx, id: string) {
  const g = await findGroup(ctx, ctx.network.network_id, id);
  if (!g) throw scimNotFound(`Group ${id} was not found in network ${ctx.network.network_id}.`);
  return g;
}

export async function getGroup(ctx: NetworkCtx, id: string, p: Projection = {}): Promise<Json> {
  const g = await requireScimGroup(ctx, id);
  const members = wantsMembers(p) ? await membersOf(ctx, id) : undefined;
  return project(renderGroup(baseUrl(ctx, ctx.network.network_id), g, members), p);
}

/** The API's refusal of a group change, stated as SCIM's (the attribute it concerns). */
function asScim(e: unknown): unknown {
  if (!(e instanceof ApiError) || e instanceof ScimError) return e;
  if (e.errorName === 'ValidationError') return invalidValue('displayName', e.message);
  if (e.errorName === 'BadRequestError') return new ScimError(400, 'mutability', e.message);
  return e;
}

/**
 * The users of the group become `wanted`: each one added or removed by UpdateUser, its other
 * groups kept; a user left with no group is in the default group.
 */
async function setMembers(ctx: NetworkCtx, groupId: string, wanted: string[]): Promise<void> {
  const networkId = ctx.network.network_id;
  const current = new Set((await membersOf(ctx, groupId)).map((m) => String(m.member_id)));
  const want = new Set(wanted);
  const changed = [...want].filter((id) => !current.has(id));
  const gone = [...current].filter((id) => !want.has(id));
  if (changed.length === 0 && gone.length === 0) return;
  const users = await findUsers(ctx, networkId, [...changed, ...gone]);
  const unknown = changed.filter((id) => !users.has(id));
  if (unknown.length > 0) {
    throw invalidValue('members', `no user ${unknown.join(', ')} in network ${networkId}`);
  }
  const fallback = await defaultGroupId(ctx, networkId);
  for (const id of [...changed, ...gone]) {
    const have = groupIdsOf(users.get(id)!);
    let groups = want.has(id) ? [...have, groupId] : have.filter((g) => g !== groupId);
    if (groups.length === 0) groups = [fallback];
    await UpdateUser(ctx, { networkId, userId: id, userDetails: { securityGroupIds: groups } });
  }
}

export async function createGroup(ctx: NetworkCtx, body: unknown, p: Projection = {}) {
  const want = readGroup(body);
  const networkId = ctx.network.network_id;
  const made = await CreateSecurityGroup(ctx, {
    networkId,
    name: want.displayName,
    securityGroupSettings: {},
  }).catch((e: unknown) => {
    throw asScim(e);
  });
  const id = made.securityGroup.id;
  if (want.members) await setMembers(ctx, id, want.members);
  return getGroup(ctx, id, p);
}

async function applyGroup(
  ctx: NetworkCtx,
  id: string,
  want: ReturnType<typeof readGroup>,
): Promise<void> {
  const g = await requireScimGroup(ctx, id);
  if (want.displayName !== g.name) {
    await UpdateSecurityGroup(ctx, {
      networkId: ctx.network.network_id,
      groupId: id,
      name: want.displayName,
    }).catch((e: unknown) => {
      throw asScim(e);
    });
  }
  if (want.members) await setMembers(ctx, id, want.members);
}

export async function replaceGroup(ctx: NetworkCtx, id: string, body: unknown, p: Projection = {}) {
  await applyGroup(ctx, id, readGroup(body));
  return getGroup(ctx, id, p);
}

export async function patchGroup(ctx: NetworkCtx, id: string, body: unknown, p: Projection = {}) {
  const ops = onlyMapped(readPatch(body), GROUP_SCHEMA, GROUP_MAPPED);
  const current = await getGroup(ctx, id);
  const patched = applyPatch(current, ops);
  // Removing every member leaves no `members` at all: the group is then empty.
  await applyGroup(ctx, id, { ...readGroup(patched), members: readGroup(patched).members ?? [] });
  return getGroup(ctx, id, p);
}

export async function deleteGroup(ctx: NetworkCtx, id: string): Promise<void> {
  await requireScimGroup(ctx, id);
  await DeleteSecurityGroup(ctx, { networkId: ctx.network.network_id, groupId: id }).catch(
    (e: unknown) => {
      throw asScim(e);
    },
  );
}
