/** The devices table's owner: devices are created by registration and reset by admins. */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { deviceType } from '../device-types.js';

/** devices.status_text */
export const DEVICE_STATUS = { ACTIVE: 'Active', RESET: 'Reset' } as const;
export type DeviceStatus = (typeof DEVICE_STATUS)[keyof typeof DEVICE_STATUS];

export interface NewDevice {
  memberId: number;
  networkId: string;
  deviceName: string;
  platform: string;
  /** A fixture's explicit app ID; generated otherwise. */
  appId?: string;
  status?: DeviceStatus;
}

/** Inserts a device, signed in now; returns its app ID. */
export async function insertDevice(
  db: Kysely<Database>,
  d: NewDevice,
  now: number,
): Promise<string> {
  const appId = d.appId ?? randomBytes(16).toString('hex');
  await db
    .insertInto('devices')
    .values({
      app_id: appId,
      member_id: d.memberId,
      network_id: d.networkId,
      device_name: d.deviceName,
      // Stored as the documented operating system name, so lists sort by what they show.
      platform: deviceType(d.platform),
      status_text: d.status ?? DEVICE_STATUS.ACTIVE,
      suspended: 0,
      created_at: now,
      last_login: now,
    })
    .execute();
  return appId;
}

/** A reset device is signed out: it keeps its record, marked Reset, until it signs in again. */
export async function resetDevices(
  db: Kysely<Database>,
  memberId: number,
  appIds: readonly string[],
): Promise<void> {
  if (appIds.length === 0) return;
  await db
    .updateTable('devices')
    .set({ status_text: DEVICE_STATUS.RESET })
    .where('member_id', '=', memberId)
    .where('app_id', 'in', appIds)
    .execute();
}
