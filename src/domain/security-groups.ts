/** Security groups: the default one made with each network, and the ones admins add. */
import type { Static } from '@sinclair/typebox';
import type { SecurityGroup, SecurityGroupSettings } from '../contract/security-groups.js';
import { badRequest, notFound, validationError } from '../contract/errors.js';
import type { SecurityGroupRow } from '../store/schema.js';
import { epochSeconds, listPage, opaqueId, sortKeyset } from './common.js';
import { allocateId } from './owners/id-registry.js';
import type { Ctx, Handler } from './context.js';
import * as groupsTable from './owners/security-groups.js';
import {
  DEFAULT_AUTO_DOWNLOAD_SIZE,
  settingsReasons,
  withAutoDownloadSize,
} from './security-group-rules.js';
import { USER_COLUMNS, USER_SORTS, renderUsers } from './users.js';

export type Settings = Static<typeof SecurityGroupSettings>;
type Group = Static<typeof SecurityGroup>;

export const DEFAULT_GROUP_NAME = 'Default';

/** What a new group starts with: the Wickr admin console's defaults (valid under the rules). */
export const DEFAULT_SECURITY_GROUP_SETTINGS = {
  alwaysReauthenticate: false,
  atakPackageValues: [],
  calling: { canStart11Call: true, canVideoCall: true, forceTcpCall: false },
  checkForUpdates: true,
  enableAtak: false,
  enableCrashReports: true,
  enableFileDownload: true,
  enableGuestFederation: false,
  enableNotificationPreview: true,
  enableOpenAccessOption: false,
  enableRestrictedGlobalFederation: false,
  filesEnabled: true,
  forceDeviceLockout: 0,
  forceOpenAccess: false,
  forceReadReceipts: false,
  globalFederation: false,
  isAtoEnabled: false,
  isLinkPreviewEnabled: true,
  locationAllowMaps: true,
  locationEnabled: true,
  maxAutoDownloadSize: DEFAULT_AUTO_DOWNLOAD_SIZE,
  maxBor: 0,
  maxTtl: 31_536_000,
  messageForwardingEnabled: true,
  passwordRequirements: { lowercase: 0, minLength: 6, numbers: 0, symbols: 0, uppercase: 0 },
  presenceEnabled: true,
  quickResponses: [],
  showMasterRecoveryKey: true,
  shredder: { canProcessManually: true, intensity: 0 },
  ssoMaxIdleMinutes: 0,
  maxNonSsoSessionMinutes: 0,
  federationMode: 0,
  lockoutThreshold: 0,
  permittedNetworks: [],
  permittedWickrAwsNetworks: [],
  permittedWickrEnterpriseNetworks: [],
} satisfies Required<Settings>;

const NESTED = ['calling', 'passwordRequirements', 'shredder'] as const;

/** Applies a partial settings change: given members replace, nested structures merge. */
export function mergeGroupSettings(current: Settings, change: Partial<Settings>): Settings {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) continue;
    next[k] = (NESTED as readonly string[]).includes(k)
      ? { ...(current[k as (typeof NESTED)[number]] ?? {}), ...(v as object) }
      : v;
  }
  return next;
}

/**
 * The settings a group has after `change`, judged whole by the documented rules (an update is
 * judged on the merged result, so it cannot leave an invalid combination behind).
 */
export function nextSettings(current: Settings, change: Partial<Settings>): Settings {
  const merged = withAutoDownloadSize(
    mergeGroupSettings(current, change),
    change.maxAutoDownloadSize !== undefined,
  );
  const reasons = settingsReasons(merged);
  if (reasons.length) throw validationError(reasons);
  return merged;
}

/** Stored settings as reported: defaults for members added since, the download size rule. */
function storedSettings(json: string): Settings {
  return withAutoDownloadSize(
    { ...DEFAULT_SECURITY_GROUP_SETTINGS, ...(JSON.parse(json) as Settings) },
    false,
  );
}

export async function createDefaultGroup(ctx: Ctx, networkId: string): Promise<string> {
  return insertGroup(ctx, networkId, DEFAULT_GROUP_NAME, DEFAULT_SECURITY_GROUP_SETTINGS, true);
}

async function insertGroup(
  ctx: Ctx,
  networkId: string,
  name: string,
  settings: Settings,
  isDefault: boolean,
): Promise<string> {
  const now = ctx.services.now();
  const groupId = await allocateId(ctx.db, 'security-group', opaqueId(8));
  await groupsTable.insertGroup(ctx.db, {
    network_id: networkId,
    group_id: groupId,
    name,
    is_default: isDefault ? 1 : 0,
    settings: JSON.stringify(settings),
    active_directory_guid: null,
    created_at: now,
    modified: now,
  });
  return groupId;
}

export async function findGroup(ctx: Ctx, networkId: string, groupId: string) {
  return ctx.db
    .selectFrom('security_groups')
    .selectAll()
    .where('network_id', '=', networkId)
    .where('group_id', '=', groupId)
    .executeTakeFirst();
}

export async function requireGroup(ctx: Ctx, networkId: string, groupId: string) {
  const g = await findGroup(ctx, networkId, groupId);
  if (!g) throw notFound(`Security group ${groupId} was not found in network ${networkId}.`);
  return g;
}

export async function defaultGroupId(ctx: Ctx, networkId: string): Promise<string> {
  const g = await ctx.db
    .selectFrom('security_groups')
    .select('group_id')
    .where('network_id', '=', networkId)
    .where('is_default', '=', 1)
    .executeTakeFirstOrThrow();
  return g.group_id;
}

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
    .where('m.status', '=', 2)
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
  const id = await insertGroup(ctx, input.networkId, input.name, settings, false);
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
  await groupsTable.patchGroup(ctx.db, input.networkId, input.groupId, {
    ...(input.name !== undefined ? { name: input.name } : {}),
    settings: JSON.stringify(settings),
    modified: ctx.services.now(),
  });
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
  await groupsTable.deleteGroup(ctx.db, input.networkId, input.groupId, fallback);
  return {
    message: `Security group ${input.groupId} deleted.`,
    networkId: input.networkId,
    groupId: input.groupId,
  };
};

/** Missing security groups among `ids`, for per-item failures. */
export async function existingGroups(
  ctx: Ctx,
  networkId: string,
  ids: string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ctx.db
    .selectFrom('security_groups')
    .select('group_id')
    .where('network_id', '=', networkId)
    .where('group_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.group_id));
}

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
