/** The users' batch operations: create (and invite), reinvite, suspend or unsuspend, delete. */
import { validationError, type Reason } from '../contract/errors.js';
import type { MemberRow, NetworkRow } from '../store/schema.js';
import { batchMessage, flag, repeatReason, repeatsOf } from './common.js';
import type { Ctx, Handler } from './context.js';
import { checkInvite, generateInviteCode, inviteExpiry } from './invite-codes.js';
import { queueInvitations, type Invitation } from './invitations.js';
import { checkUsername, takenUsernames } from './member-identity.js';
import {
  MEMBER_STATUS,
  deleteMembers,
  insertMembers,
  newUser,
  patchMembers,
} from './owners/members.js';
import { deletePending, withdrawPending } from './owners/outbox.js';
import { existingGroups } from './security-group-lookup.js';
import { findUsers, renderUser } from './users.js';

type Failure = { userId: string; field: string; reason: string };

/** User IDs as batch results echo them: canonical ("0123" → "123"). */
const canonicalId = (id: string) => String(Number(id));

/**
 * A batch's user IDs: the distinct ones to look up, and for each item in request order
 * either its ID or a failure because it repeats an earlier item.
 */
function userIdItems(userIds: string[]) {
  const ids = userIds.map(canonicalId);
  const repeats = repeatsOf(ids, String);
  const items = ids.map((id, i) => {
    const first = repeats.get(i);
    return first === undefined
      ? { id }
      : {
          id,
          failure: {
            userId: id,
            field: 'userId',
            reason: repeatReason('userIds', i, first, 'the same user ID'),
          },
        };
  });
  return { distinct: ids.filter((_, i) => !repeats.has(i)), items };
}

/** The failure of an ID that names no user of the network. */
const unknownUser = (id: string, networkId: string): Failure => ({
  userId: id,
  field: 'userId',
  reason: `User ${id} was not found in network ${networkId}.`,
});

/** A batch's users of the network, and a failure for each unknown or repeated ID, in order. */
async function resolveUsers(ctx: Ctx, networkId: string, userIds: string[]) {
  const batch = userIdItems(userIds);
  const users = await findUsers(ctx, networkId, batch.distinct);
  const found: string[] = [];
  const failed: Failure[] = [];
  for (const { id, failure } of batch.items) {
    if (failure) failed.push(failure);
    else if (users.has(id)) found.push(id);
    else failed.push(unknownUser(id, networkId));
  }
  return { found, failed };
}

export const BatchCreateUser: Handler<'BatchCreateUser'> = async (ctx, input) => {
  const reasons: Reason[] = [];
  input.users.forEach((u, i) => {
    checkUsername(`users[${i}].username`, u.username, reasons);
    checkInvite(`users[${i}].`, u, reasons);
    if (u.securityGroupIds.length === 0) {
      reasons.push({
        field: `users[${i}].securityGroupIds`,
        reason: 'must name at least one security group',
      });
    }
  });
  if (reasons.length) throw validationError(reasons);

  const network = ctx.network;
  const repeats = repeatsOf(input.users, (u) => u.username.toLowerCase());
  const items = input.users.filter((_, i) => !repeats.has(i));
  const taken = await takenUsernames(
    ctx,
    network.network_id,
    items.map((u) => u.username.toLowerCase()),
  );
  const groups = await existingGroups(ctx, network.network_id, [
    ...new Set(items.flatMap((u) => u.securityGroupIds)),
  ]);
  const now = ctx.services.now();
  const failed: Failure[] = [];
  const toCreate: typeof items = [];
  input.users.forEach((u, i) => {
    const first = repeats.get(i);
    const clash = taken.get(u.username.toLowerCase());
    const missing = u.securityGroupIds.filter((g) => !groups.has(g));
    if (first !== undefined) {
      failed.push({
        userId: '',
        field: 'username',
        reason: repeatReason('users', i, first, 'the same username, case-insensitively'),
      });
    } else if (clash) {
      failed.push({
        userId: String(clash.member_id),
        field: 'username',
        reason: `The username ${u.username} is already taken in network ${network.network_id} by ${clash.kind} ${clash.member_id}.`,
      });
    } else if (missing.length > 0) {
      failed.push({
        userId: '',
        field: 'securityGroupIds',
        reason: `Security group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in network ${network.network_id}.`,
      });
    } else toCreate.push(u);
  });

  const created = await insertUsers(ctx, network, toCreate, now);
  await queueInvitations(
    ctx,
    created.map((m) => invitationFor(network, m)),
    false,
  );
  // The groups in the order they were given: insertUsers stored them so in group_ids.
  const successful = created.map((m) =>
    renderUser(m, m.group_ids ? m.group_ids.split(',') : [], now),
  );
  return {
    message: batchMessage('created', successful.length, failed.length),
    successful,
    failed,
  };
};

export function invitationFor(network: NetworkRow, m: MemberRow): Invitation {
  return {
    networkId: network.network_id,
    networkName: network.network_name,
    memberId: Number(m.member_id),
    username: m.username,
    inviteCode: m.invite_code ?? '',
    expiresAt: Number(m.invite_expires_at),
  };
}

type CreateItem = {
  username: string;
  firstName?: string;
  lastName?: string;
  securityGroupIds: string[];
  inviteCode?: string;
  inviteCodeTtl?: number;
  codeValidation?: boolean;
};

/** Inserts pending users with their memberships; returns the stored rows in input order. */
export async function insertUsers(
  ctx: Ctx,
  network: NetworkRow,
  items: CreateItem[],
  now: number,
): Promise<MemberRow[]> {
  return insertMembers(
    ctx.db,
    items.map((u) => ({
      row: newUser(network, u.username, now, {
        firstName: u.firstName ?? null,
        lastName: u.lastName ?? null,
        inviteCode: u.inviteCode,
        inviteTtlDays: u.inviteCodeTtl,
        codeValidation: u.codeValidation,
      }),
      groups: u.securityGroupIds,
    })),
  );
}

export const BatchReinviteUser: Handler<'BatchReinviteUser'> = async (ctx, input) => {
  const network = ctx.network;
  const batch = userIdItems(input.userIds);
  const users = await findUsers(ctx, network.network_id, batch.distinct);
  const now = ctx.services.now();
  const successful: { userId: string }[] = [];
  const failed: Failure[] = [];
  const invitations: Invitation[] = [];
  for (const { id, failure } of batch.items) {
    const u = users.get(id);
    const fail = (reason: string) => failed.push({ userId: id, field: 'userId', reason });
    if (failure) failed.push(failure);
    else if (!u) failed.push(unknownUser(id, network.network_id));
    else if (u.suspended === 1)
      fail(`User ${id} is suspended; unsuspend the user before reinviting.`);
    else if (u.status !== MEMBER_STATUS.PENDING)
      fail(`User ${id} is already active (registered); only pending users can be reinvited.`);
    else {
      // A custom code is re-sent as it is; a generated one is replaced, so the old one stops working.
      const code =
        u.invite_code_custom === 1 && u.invite_code ? u.invite_code : generateInviteCode();
      const expires = inviteExpiry(now, u.invite_ttl_days);
      const updated = await patchMembers(
        ctx.db,
        network,
        [u.member_id],
        {
          invite_code: code,
          invite_expires_at: expires,
          // An administrator's reinvite also lifts a registration lockout and renews a
          // declined invitation.
          challenge_failures: 0,
          invite_declined_at: null,
          modified: now,
        },
        { status: MEMBER_STATUS.PENDING, suspended: 0 },
      );
      // Deleted, registered or suspended by a concurrent request since it was read.
      if (updated !== 1) {
        fail(
          `User ${id} changed while being reinvited (deleted, registered or suspended); try again.`,
        );
        continue;
      }
      invitations.push(
        invitationFor(network, { ...u, invite_code: code, invite_expires_at: expires }),
      );
      successful.push({ userId: id });
    }
  }
  await queueInvitations(ctx, invitations, true);
  return {
    message: batchMessage('reinvited', successful.length, failed.length),
    successful,
    failed,
  };
};

export const BatchToggleUserSuspendStatus: Handler<'BatchToggleUserSuspendStatus'> = async (
  ctx,
  input,
) => {
  const network = ctx.network;
  const { found, failed } = await resolveUsers(ctx, network.network_id, input.userIds);
  if (found.length > 0) {
    await patchMembers(ctx.db, network, found.map(Number), {
      suspended: flag(input.suspend),
      modified: ctx.services.now(),
    });
    // A suspended user cannot register: queued invitations are withdrawn (unsuspending does
    // not bring them back; a reinvite sends a new one).
    if (input.suspend) await withdrawPending(ctx.db, found.map(Number));
  }
  return {
    message: batchMessage(input.suspend ? 'suspended' : 'unsuspended', found.length, failed.length),
    successful: found.map((userId) => ({ userId })),
    failed,
  };
};

export const BatchDeleteUser: Handler<'BatchDeleteUser'> = async (ctx, input) => {
  const network = ctx.network;
  const resolved = await resolveUsers(ctx, network.network_id, input.userIds);
  const { failed } = resolved;
  const found = resolved.found.map(Number);
  if (found.length > 0) {
    // Members first: on PostgreSQL this waits for a concurrent reinvite holding the rows, so
    // the invitations it queued are visible to, and withdrawn by, the next statement.
    await deleteMembers(ctx.db, found);
    await deletePending(ctx.db, found);
  }
  return {
    message: batchMessage('deleted', found.length, failed.length),
    successful: found.map((id) => ({ userId: String(id) })),
    failed,
  };
};
