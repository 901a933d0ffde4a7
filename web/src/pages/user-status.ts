/**
 * A user's status as the console shows it, the Users page's status filters, and the types the
 * user pages share (kept here, so the pages import no module that imports them).
 *
 * The API says 1 (pending) or 2 (active), and a user who declined the invitation stays 1. The
 * server withholds a declined invitation's code (domain/users.ts, renderUser), so a pending
 * user listed without a code declined it. That is read only while the network has declined
 * users at all (GetUsersCount's `rejected`), so users seeded without codes stay Pending.
 */
import { USER_STATUS } from '../../../src/contract/user-status';
import type { Input, Output } from '../api';

export type User = NonNullable<Output<'ListUsers'>['users']>[number];

/** A security group as the user pages list and choose them. */
export type Group = NonNullable<Output<'ListSecurityGroups'>['securityGroups']>[number];

/** The status the counters count: every user is exactly one of these. */
export type Status = 'Active' | 'Pending' | 'Declined';

export function statusOf(u: Pick<User, 'status' | 'inviteCode'>, anyDeclined: boolean): Status {
  if (u.status === USER_STATUS.ACTIVE) return 'Active';
  return anyDeclined && u.inviteCode === undefined ? 'Declined' : 'Pending';
}

/** The status, and what else holds: "Pending (suspended, invitation expired)". */
export function statusText(
  u: Pick<User, 'status' | 'inviteCode' | 'suspended' | 'isInviteExpired'>,
  anyDeclined: boolean,
): string {
  const status = statusOf(u, anyDeclined);
  const also = [
    u.suspended ? 'suspended' : '',
    status === 'Pending' && u.isInviteExpired ? 'invitation expired' : '',
  ].filter(Boolean);
  return also.length ? `${status} (${also.join(', ')})` : status;
}

export interface StatusFilter {
  label: string;
  /** What ListUsers filters on the server. */
  server: Pick<Input<'ListUsers'>, 'status'>;
  /** What the browser picks out of the server's pages (undefined: nothing). */
  keep?: (u: User, anyDeclined: boolean) => boolean;
}

/**
 * ListUsers filters by status 1 or 2 only: Declined and Suspended (and Pending, once some users
 * declined) are picked out in the browser from the server's pages.
 */
export const STATUS_FILTERS: Record<string, StatusFilter> = {
  '': { label: 'All', server: {} },
  pending: {
    label: 'Pending',
    server: { status: USER_STATUS.PENDING },
    keep: (u, d) => statusOf(u, d) === 'Pending',
  },
  active: { label: 'Active', server: { status: USER_STATUS.ACTIVE } },
  declined: {
    label: 'Declined',
    server: { status: USER_STATUS.PENDING },
    keep: (u, d) => statusOf(u, d) === 'Declined',
  },
  suspended: { label: 'Suspended', server: {}, keep: (u) => u.suspended === true },
};
