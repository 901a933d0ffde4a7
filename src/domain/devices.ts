/** Devices: created when a user registers with an invite code; listed and reset by admins. */
import type { DeviceRow } from '../store/schema.js';
import { batchMessage, repeatReason, repeatsOf, listPage, sortKeyset } from './common.js';
import type { Handler } from './context.js';
import { deviceType } from './device-types.js';
import { resetDevices } from './owners/devices.js';
import { requireUser } from './users.js';

const iso = (ms: number) => new Date(Number(ms)).toISOString();

function render(d: DeviceRow) {
  return {
    appId: d.app_id,
    created: iso(d.created_at),
    lastLogin: iso(d.last_login),
    statusText: d.status_text,
    suspend: d.suspended === 1,
    type: deviceType(d.platform),
  };
}

export const ListDevicesForUser: Handler<'ListDevicesForUser'> = async (ctx, input) => {
  const user = await requireUser(ctx, input.networkId, input.userId);
  const keyset = sortKeyset(
    input,
    { lastlogin: 'last_login', type: 'platform', suspend: 'suspended', created: 'created_at' },
    ['created'],
    'app_id',
  );
  const qb = ctx.db
    .selectFrom('devices')
    .selectAll()
    .where('member_id', '=', Number(user.member_id));
  const page = await listPage(
    ctx,
    `ListDevicesForUser|${input.networkId}|${input.userId}`,
    qb,
    keyset,
    input,
  );
  return {
    devices: page.rows.map(render),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
};

export const BatchResetDevicesForUser: Handler<'BatchResetDevicesForUser'> = async (ctx, input) => {
  const user = await requireUser(ctx, input.networkId, input.userId);
  const repeats = repeatsOf(input.appIds, String);
  const appIds = input.appIds.filter((_, i) => !repeats.has(i));
  const rows = await ctx.db
    .selectFrom('devices')
    .select('app_id')
    .where('member_id', '=', Number(user.member_id))
    .where('app_id', 'in', appIds)
    .execute();
  const known = new Set(rows.map((r) => r.app_id));
  const found = appIds.filter((a) => known.has(a));
  if (found.length > 0) {
    await resetDevices(ctx.db, Number(user.member_id), found);
  }
  const failed: { appId: string; field: string; reason: string }[] = [];
  input.appIds.forEach((appId, i) => {
    const first = repeats.get(i);
    if (first !== undefined) {
      failed.push({
        appId,
        field: 'appId',
        reason: repeatReason('appIds', i, first, 'the same device'),
      });
    } else if (!known.has(appId)) {
      failed.push({
        appId,
        field: 'appId',
        reason: `Device ${appId} does not belong to user ${input.userId}.`,
      });
    }
  });
  return {
    message: batchMessage('reset', found.length, failed.length),
    successful: found.map((appId) => ({ appId })),
    failed,
  };
};
