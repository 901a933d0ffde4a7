/**
 * The invitation's other half: a person redeems an invite code, the user becomes active and
 * gets a device. Wrong codes are counted per user and lock registration after a limit.
 *
 * Usernames must not be discoverable here: an unknown username, a wrong code and a locked
 * user get one and the same answer (INVALID), after the same work (a lookup and one counting
 * UPDATE). Only the holder of the user's code learns more (expired, already used, suspended,
 * declined): the code is the secret, and a valid code reveals its own user.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError, badRequest, forbidden } from '../contract/errors.js';
import type { MemberRow } from '../store/schema.js';
import type { Ctx } from './context.js';
import { insertDevice } from './owners/devices.js';
import {
  MEMBER_STATUS,
  activated,
  countFailedAttempt,
  patchMembers,
  type MemberPatch,
} from './owners/members.js';
import { OUTBOX_STATUS, withdrawPending } from './owners/outbox.js';

export interface RegistrationInput {
  username: string;
  inviteCode: string;
  deviceName: string;
  platform: string;
}

export interface DeclineInput {
  username: string;
  inviteCode: string;
}

export type SystemCtx = Pick<Ctx, 'db' | 'services'> & {
  /**
   * The caller's record of a successful change (the invitee surface's audit record), written
   * in the change's own transaction: no change commits without it.
   */
  record?: (db: Ctx['db']) => Promise<void>;
};

/** Why a code was refused; for logs and the invitee page, never more than the answer says. */
export type Refusal = 'invalid' | 'locked' | 'expired' | 'used' | 'suspended' | 'declined';

/** A refused redemption: the modelled error plus the reason, which only the logs see in full. */
export class RegistrationRefused extends ApiError {
  constructor(
    readonly refusal: Refusal,
    error: ApiError,
  ) {
    super(error.errorName, error.message);
    this.logDetail = refusal;
  }
}

export const INVALID =
  'The username or invite code is not valid, or registration is locked after too many failed attempts; ask an administrator to reinvite you.';
const USED = 'This invite code was already used: the user is registered.';
const EXPIRED = 'The invite code has expired; ask an administrator to reinvite you.';
const DECLINED = 'The invitation was declined; ask an administrator to reinvite you.';
const SUSPENDED = 'This user is suspended and cannot register.';

// The refusals a code holder may see; an outsider sees INVALID for all the others.
const ANSWER: Record<Refusal, () => ApiError> = {
  invalid: () => badRequest(INVALID),
  locked: () => badRequest(INVALID),
  expired: () => badRequest(EXPIRED),
  used: () => badRequest(USED),
  suspended: () => forbidden(SUSPENDED),
  declined: () => badRequest(DECLINED),
};

/** The answer to a refusal, as the redemption gives it (the invitation pages show the same). */
export const refusalAnswer = (refusal: Refusal): ApiError => ANSWER[refusal]();

/** Constant-time comparison of two codes of any length. */
function sameCode(stored: string | null, given: string): boolean {
  if (stored === null) return false;
  const a = createHash('sha256').update(stored).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/**
 * What a code is worth for a user: `null` when it registers now. The user's state is told
 * only to the holder of the right code; everything else is `invalid` (or `locked`, which
 * answers the same).
 */
function judge(user: MemberRow | undefined, code: string, now: number, lockout: number) {
  if (!user) return 'invalid' as const;
  if (user.challenge_failures >= lockout) return 'locked' as const;
  if (!sameCode(user.invite_code, code)) return 'invalid' as const;
  if (user.suspended === 1) return 'suspended' as const;
  if (user.status !== MEMBER_STATUS.PENDING) return 'used' as const;
  if (user.invite_declined_at !== null) return 'declined' as const;
  if (user.invite_expires_at !== null && Number(user.invite_expires_at) < now) {
    return 'expired' as const;
  }
  return null;
}

type Trx = SystemCtx['db'];

async function findUser(trx: Trx, networkId: string, username: string) {
  return trx
    .selectFrom('members')
    .selectAll()
    .where('network_id', '=', networkId)
    .where('kind', '=', 'user')
    .where('username_lc', '=', username.toLowerCase())
    .executeTakeFirst();
}

/**
 * Counts a failed attempt. Called for unknown users and locked ones too, with a key that
 * matches no row, so that every refusal costs one UPDATE and the answer's timing does not
 * tell a known username from an unknown one.
 */
async function countFailure(trx: Trx, user: MemberRow | undefined, lockout: number) {
  await countFailedAttempt(trx, user ? Number(user.member_id) : -1, lockout);
}

type Redeemed = { userId: number; now: number };
type Outcome<T> = { refusal: Refusal } | { ok: T };

/**
 * Checks an invite code and, when it is the user's current one, applies `change` to the
 * pending user, atomically: of concurrent redemptions of one code (PostgreSQL runs them in
 * parallel) exactly one still finds the invitation pending. A refused attempt is counted in
 * challengeFailures (except a suspended user's right code); the count must survive the
 * refusal, so the transaction returns an outcome and the error is thrown after it commits.
 */
async function redeem<T>(
  ctx: SystemCtx,
  networkId: string,
  username: string,
  inviteCode: string,
  change: (now: number, user: MemberRow) => MemberPatch,
  after: (trx: Trx, r: Redeemed) => Promise<T>,
): Promise<T> {
  const lockout = ctx.services.config.registrationLockout;
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome<T>> => {
    const user = await findUser(trx, networkId, username);
    const now = ctx.services.now();
    const refusal = judge(user, inviteCode, now, lockout);
    if (refusal !== null || !user) {
      const why = refusal ?? 'invalid';
      if (why !== 'suspended') {
        await countFailure(trx, user, lockout);
        if (user && user.challenge_failures + 1 === lockout) ctx.services.onLockout?.();
      }
      return { refusal: why };
    }
    const claimed = await patchMembers(
      trx,
      { network_id: networkId },
      [Number(user.member_id)],
      { invite_expires_at: null, challenge_failures: 0, modified: now, ...change(now, user) },
      { status: MEMBER_STATUS.PENDING, suspended: 0, inviteCode, notDeclined: true },
    );
    if (claimed !== 1) return { refusal: 'used' };
    const ok = await after(trx, { userId: Number(user.member_id), now });
    await ctx.record?.(trx);
    return { ok };
  });
  if ('refusal' in outcome) {
    throw new RegistrationRefused(outcome.refusal, ANSWER[outcome.refusal]());
  }
  return outcome.ok;
}

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
    // The used code stays on the (now active) row: it no longer registers anything, and it
    // lets the invitation page tell its holder "already used" instead of "not valid".
    (now) => ({ ...activated(now), invite_declined_at: null }),
    async (trx, r) => {
      const appId = await insertDevice(
        trx,
        { memberId: r.userId, networkId, deviceName: input.deviceName, platform: input.platform },
        r.now,
      );
      // Invitations still queued (e.g. a reinvite) carry a code that no longer works.
      await withdrawPending(trx, [r.userId]);
      return { userId: String(r.userId), appId, status: MEMBER_STATUS.ACTIVE };
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
  input: DeclineInput,
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
      invite_code: user.invite_code_custom === 1 ? user.invite_code : null,
    }),
    async (trx, r) => {
      await withdrawPending(trx, [r.userId], OUTBOX_STATUS.SUPERSEDED);
      return { userId: String(r.userId), status: MEMBER_STATUS.PENDING, declined: true as const };
    },
  );
}

/** What the invitation page shows for a link: its state, and the invitation when the code is right. */
export interface InvitationView {
  /** `locked` is shown as `invalid`: it must look like a wrong code. */
  state: 'valid' | Exclude<Refusal, 'locked'>;
  /** For the logs only. */
  reason?: Refusal;
  networkId: string;
  /** Only with the right code. */
  networkName?: string;
  username?: string;
  expiresAt?: number;
}

/**
 * Looks at an invitation link without redeeming it. A wrong code (or unknown user) is counted
 * like a wrong registration, so the page is no free oracle for guessing codes; the holder of
 * the right code sees the invitation's state and nothing is counted.
 */
export async function viewInvitation(
  ctx: SystemCtx,
  networkId: string,
  input: DeclineInput,
): Promise<InvitationView> {
  const lockout = ctx.services.config.registrationLockout;
  return ctx.db.transaction().execute(async (trx) => {
    const user = await findUser(trx, networkId, input.username);
    const refusal = judge(user, input.inviteCode, ctx.services.now(), lockout);
    if (!user || refusal === 'invalid' || refusal === 'locked') {
      await countFailure(trx, user, lockout);
      return { state: 'invalid' as const, reason: refusal ?? 'invalid', networkId };
    }
    const network = await trx
      .selectFrom('networks')
      .select('network_name')
      .where('network_id', '=', networkId)
      .executeTakeFirstOrThrow();
    return {
      state: refusal ?? ('valid' as const),
      networkId,
      networkName: network.network_name,
      username: user.username,
      ...(user.invite_expires_at !== null ? { expiresAt: Number(user.invite_expires_at) } : {}),
    };
  });
}
