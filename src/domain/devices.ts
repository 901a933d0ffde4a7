/** Devices: created when a user registers with an invite code; listed and reset by admins. */
import { randomBytes } from 'node:crypto';
import type { DeviceRow } from '../store/schema.js';
import {
  batchMessage,
  repeatReason,
  repeatsOf,
  listPage,
  requireNetwork,
  sortKeyset,
} from './common.js';
import type { Ctx, Handler } from './context.js';
import { deviceType } from './device-types.js';
import { requireUser } from './users.js';

export const DEVICE_ACTIVE = 'Active';
export const DEVICE_RESET = 'Reset';

export async function createDevice(
  ctx: Pick<Ctx, 'db' | 'services'>,
  d: { memberId: number; networkId: string; deviceName: string; platform: string },
): Promise<string> {
  const appId = randomBytes(16).toString('hex');
  const now = ctx.services.now();
  await ctx.db
    .insertInto('devices')
    .values({
      app_id: appId,
      member_id: d.memberId,
      network_id: d.networkId,
      device_name: d.deviceName,
      // Stored as the documented operating system name, so lists sort by what they show.
      platform: deviceType(d.platform),
      status_text: DEVICE_ACTIVE,
      suspended: 0,
      created_at: now,
      last_login: now,
    })
    .execute();
  return appId;
}

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
  await requireNetwork(ctx, input.networkId);
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
  await requireNetwork(ctx, input.networkId);
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
    // A reset device is signed out: it keeps its record, marked Reset, until it signs in again.
    await ctx.db
      .updateTable('devices')
      .set({ status_text: DEVICE_RESET })
      .where('member_id', '=', Number(user.member_id))
      .where('app_id', 'in', found)
      .execute();
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
