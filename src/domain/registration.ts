/**
 * The invitation's other half: a person redeems an invite code, the user becomes active and
 * gets a device. Wrong codes are counted per user and lock registration after a limit.
 */
import { ApiError, badRequest, forbidden } from '../contract/errors.js';
import type { MemberRow } from '../store/schema.js';
import { requireStrings } from './common.js';
import type { Ctx } from './context.js';
import { createDevice } from './devices.js';
import { withdrawMail } from './invitations.js';

export interface RegistrationInput {
  username: string;
  inviteCode: string;
  deviceName: string;
  platform: string;
}

export type SystemCtx = Pick<Ctx, 'db' | 'services'>;

const INVALID = 'The username or invite code is not valid.';

export function parseRegistration(body: unknown): RegistrationInput {
  return requireStrings(body, ['username', 'inviteCode', 'deviceName', 'platform'], 'Registration');
}

type Redeemed = { userId: number; now: number };

/**
 * Checks an invite code and, when it is the user's current one, applies `change` to the
 * pending user, atomically: of concurrent redemptions of one code (PostgreSQL runs them in
 * parallel) exactly one still finds the invitation pending. A wrong, old or expired code is
 * counted in challengeFailures; the count must survive the refusal, so the transaction
 * returns an outcome and the error is thrown after it commits.
 */
async function redeem<T>(
  ctx: SystemCtx,
  networkId: string,
  username: string,
  inviteCode: string,
  change: (now: number, user: MemberRow) => Record<string, unknown>,
  after: (trx: SystemCtx['db'], r: Redeemed) => Promise<T>,
): Promise<T> {
  const lockout = ctx.services.config.registrationLockout;
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('members')
      .selectAll()
      .where('network_id', '=', networkId)
      .where('kind', '=', 'user')
      .where('username_lc', '=', username.toLowerCase())
      .executeTakeFirst();
    if (!user) return { error: badRequest(INVALID) };
    if (user.suspended === 1) {
      return { error: forbidden('This user is suspended and cannot register.') };
    }
    if (user.challenge_failures >= lockout) {
      return {
        error: forbidden(
          `Registration is locked after ${lockout} failed attempts; ask an administrator to reinvite you.`,
        ),
      };
    }
    const now = ctx.services.now();
    let error: ApiError | undefined;
    if (user.status !== 1 || user.invite_code === null) error = badRequest(USED);
    else if (user.invite_declined_at !== null) {
      error = badRequest('The invitation was declined; ask an administrator to reinvite you.');
    } else if (user.invite_code !== inviteCode) error = badRequest(INVALID);
    else if (user.invite_expires_at !== null && Number(user.invite_expires_at) < now) {
      error = badRequest('The invite code has expired; ask an administrator to reinvite you.');
    }
    if (error) {
      await trx
        .updateTable('members')
        .set((eb) => ({ challenge_failures: eb('challenge_failures', '+', 1) }))
        .where('member_id', '=', user.member_id)
        .execute();
      return { error };
    }
    const claimed = await trx
      .updateTable('members')
      .set({
        invite_code: null,
        invite_expires_at: null,
        challenge_failures: 0,
        modified: now,
        ...change(now, user),
      })
      .where('member_id', '=', user.member_id)
      .where('status', '=', 1)
      .where('suspended', '=', 0)
      .where('invite_code', '=', inviteCode)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return { error: badRequest(USED) };
    return { ok: await after(trx, { userId: Number(user.member_id), now }) };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.ok;
}

const USED = 'There is no pending invitation for this user; the code was already used.';

export async function register(
  ctx: SystemCtx,
  networkId: string,
  input: RegistrationInput,
): Promise<{ userId: string; appId: string; status: number }> {
  return redeem(
    ctx,
    networkId,
    input.username,
    input.inviteCode,
    (now) => ({ status: 2, last_login: now, last_activity: now, invite_declined_at: null }),
    async (trx, r) => {
      const appId = await createDevice(
        { db: trx, services: ctx.services },
        { memberId: r.userId, networkId, deviceName: input.deviceName, platform: input.platform },
      );
      // Invitations still queued (e.g. a reinvite) carry a code that no longer works.
      await withdrawMail(trx, [r.userId]);
      return { userId: String(r.userId), appId, status: 2 };
    },
  );
}

/**
 * A person turns the invitation down: the code stops working, queued invitation e-mails are
 * withdrawn, and GetUsersCount counts the user as rejected until an administrator reinvites.
 */
export async function decline(
  ctx: SystemCtx,
  networkId: string,
  input: { username: string; inviteCode: string },
): Promise<{ userId: string; status: number; declined: true }> {
  return redeem(
    ctx,
    networkId,
    input.username,
    input.inviteCode,
    (now, user) => ({
      invite_declined_at: now,
      // A custom code is kept for the next reinvite (which re-sends it); a declined
      // invitation refuses it until then.
      ...(user.invite_code_custom === 1 ? { invite_code: user.invite_code } : {}),
    }),
    async (trx, r) => {
      await trx
        .updateTable('outbox')
        .set({ status: 'superseded' })
        .where('member_id', '=', r.userId)
        .where('status', '=', 'pending')
        .execute();
      return { userId: String(r.userId), status: 1, declined: true as const };
    },
  );
}

export function parseDecline(body: unknown): { username: string; inviteCode: string } {
  const b = requireStrings(body, ['username', 'inviteCode'], 'Declining');
  return { username: b.username, inviteCode: b.inviteCode };
}
