/** Security groups: the default one made with each network, and the ones admins add. */
import type { Static } from '@sinclair/typebox';
import type { SecurityGroup } from '../contract/security-groups.js';
import { badRequest, validationError } from '../contract/errors.js';
import type { SecurityGroupRow } from '../store/schema.js';
import { epochSeconds, listPage, sortKeyset } from './common.js';
import type { Ctx, Handler } from './context.js';
import { MEMBER_STATUS } from './owners/members.js';
import { createGroup, deleteGroup, patchGroup } from './owners/security-groups.js';
import { defaultGroupId, requireGroup } from './security-group-lookup.js';
import {
  DEFAULT_SECURITY_GROUP_SETTINGS,
  nextSettings,
  storedSettings,
} from './security-group-settings.js';
import { USER_COLUMNS, USER_SORTS, renderUsers } from './users.js';

type Group = Static<typeof SecurityGroup>;

async function describe(ctx: Ctx, rows: SecurityGroupRow[]): Promise<Group[]> {
  if (rows.length === 0) return [];
  const networkId = rows[0]!.network_id;
  const ids = rows.map((r) => r.group_id);
  const users = await ctx.db
    .selectFrom('member_groups as mg')
    .innerJoin('members as m', 'm.member_id', 'mg.member_id')
    .select(['mg.group_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('mg.network_id', '=', networkId)
    .where('mg.group_id', 'in', ids)
    .where('m.kind', '=', 'user')
    .where('m.status', '=', MEMBER_STATUS.ACTIVE)
    .groupBy('mg.group_id')
    .execute();
  const bots = await ctx.db
    .selectFrom('members')
    .select(['group_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('network_id', '=', networkId)
    .where('kind', '=', 'bot')
    .where('group_id', 'in', ids)
    .groupBy('group_id')
    .execute();
  const count = (list: { group_id: string | null; n: number }[], id: string) =>
    Number(list.find((x) => x.group_id === id)?.n ?? 0);
  return rows.map((r) => ({
    activeMembers: count(users, r.group_id),
    botMembers: count(bots, r.group_id),
    ...(r.active_directory_guid ? { activeDirectoryGuid: r.active_directory_guid } : {}),
    id: r.group_id,
    isDefault: r.is_default === 1,
    name: r.name,
    modified: epochSeconds(Number(r.modified)),
    securityGroupSettings: storedSettings(r.settings),
  }));
}

function checkName(name: string | undefined): void {
  if (name !== undefined && name.trim().length === 0) {
    throw validationError([{ field: 'name', reason: 'must not be empty' }]);
  }
}

export const CreateSecurityGroup: Handler<'CreateSecurityGroup'> = async (ctx, input) => {
  checkName(input.name);
  const settings = nextSettings(DEFAULT_SECURITY_GROUP_SETTINGS, input.securityGroupSettings);
  const id = await createGroup(
    ctx.db,
    { networkId: input.networkId, name: input.name, settings },
    ctx.services.now(),
  );
  const [group] = await describe(ctx, [await requireGroup(ctx, input.networkId, id)]);
  return { securityGroup: group! };
};

export const GetSecurityGroup: Handler<'GetSecurityGroup'> = async (ctx, input) => {
  const [group] = await describe(ctx, [await requireGroup(ctx, input.networkId, input.groupId)]);
  return { securityGroup: group! };
};

export const ListSecurityGroups: Handler<'ListSecurityGroups'> = async (ctx, input) => {
  const keyset = sortKeyset(input, { id: 'group_id', name: 'name' }, ['id'], 'group_id');
  const qb = ctx.db
    .selectFrom('security_groups')
    .selectAll()
    .where('network_id', '=', input.networkId);
  const page = await listPage(ctx, `ListSecurityGroups|${input.networkId}`, qb, keyset, input);
  return {
    securityGroups: await describe(ctx, page.rows),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const UpdateSecurityGroup: Handler<'UpdateSecurityGroup'> = async (ctx, input) => {
  const row = await requireGroup(ctx, input.networkId, input.groupId);
  checkName(input.name);
  const settings = nextSettings(storedSettings(row.settings), input.securityGroupSettings ?? {});
  await patchGroup(
    ctx.db,
    input.networkId,
    input.groupId,
    { ...(input.name !== undefined ? { name: input.name } : {}), settings },
    ctx.services.now(),
  );
  const [group] = await describe(ctx, [await requireGroup(ctx, input.networkId, input.groupId)]);
  return { securityGroup: group! };
};

export const DeleteSecurityGroup: Handler<'DeleteSecurityGroup'> = async (ctx, input) => {
  const row = await requireGroup(ctx, input.networkId, input.groupId);
  if (row.is_default === 1) {
    throw badRequest(
      `Security group ${input.groupId} is the network's default group and cannot be deleted.`,
    );
  }
  const fallback = await defaultGroupId(ctx, input.networkId);
  // Members left without any group move to the default group; bots move there too.
  await deleteGroup(ctx.db, input.networkId, input.groupId, fallback);
  return {
    message: `Security group ${input.groupId} deleted.`,
    networkId: input.networkId,
    groupId: input.groupId,
  };
};

export const ListSecurityGroupUsers: Handler<'ListSecurityGroupUsers'> = async (ctx, input) => {
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
