/**
 * The team directory as CSV: the columns `wickr-admin users` and the console's import read
 * (username, firstName, lastName, securityGroupIds; userId for suspend and delete), so an
 * export can be edited and fed back. Invite codes are left out: they are secrets. A line is
 * written per user as its page arrives, so the whole list is never held as objects.
 */
import { USER_STATUS } from '../../contract/user-status.js';

/** The header, in the import's spellings. */
export const EXPORT_COLUMNS = [
  'userId',
  'username',
  'firstName',
  'lastName',
  'securityGroupIds',
  'status',
  'suspended',
  'isAdmin',
] as const;

/** A user as ListUsers answers it (the members the export reads). */
export interface ExportedUser {
  userId?: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  securityGroups?: string[];
  status?: number;
  suspended?: boolean;
  isAdmin?: boolean;
  inviteCode?: string;
}

/**
 * One CSV field: quoted when it holds a separator, quote or line break; a leading = + - @ is
 * prefixed with ' so that a spreadsheet does not run it as a formula (a phone-number-like
 * "+15551234" stays as it is).
 */
export function csvField(value: string): string {
  const v = /^[=+\-@\t\r]/.test(value) && !/^[+-]?[0-9 ]+$/.test(value) ? `'${value}` : value;
  return /[",\r\n;]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export const csvLine = (fields: readonly string[]) => fields.map(csvField).join(',') + '\r\n';

/**
 * The status word: pending, active, or declined (a pending user listed without a code declined,
 * read only when the network has declined users, as the console's list does).
 */
export function exportStatus(u: ExportedUser, anyDeclined: boolean): string {
  if (u.status === USER_STATUS.ACTIVE) return 'active';
  return anyDeclined && u.inviteCode === undefined ? 'declined' : 'pending';
}

export function exportLine(u: ExportedUser, anyDeclined: boolean): string {
  return csvLine([
    u.userId ?? '',
    u.username ?? '',
    u.firstName ?? '',
    u.lastName ?? '',
    (u.securityGroups ?? []).join(';'),
    exportStatus(u, anyDeclined),
    u.suspended ? 'true' : 'false',
    u.isAdmin ? 'true' : 'false',
  ]);
}

/** The template of a suspend/unsuspend/delete file: a username (or userId) per row. */
export const TARGETS_TEMPLATE = csvLine(['username', 'userId']);
