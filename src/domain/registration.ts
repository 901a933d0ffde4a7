/**
 * The invitation's other half: a person redeems an invite code, the user becomes active and
 * gets a device. Wrong codes are counted per user and lock registration after a limit.
 */
import { ApiError, badRequest, forbidden } from '../protocol/errors.js';
import type { Ctx } from './context.js';
import { createDevice } from './devices.js';

export interface RegistrationInput {
  username: string;
  inviteCode: string;
  deviceName: string;
  platform: string;
}

export type SystemCtx = Pick<Ctx, 'db' | 'services'>;

const INVALID = 'The username or invite code is not valid.';

export function parseRegistration(body: unknown): RegistrationInput {
  const b = (body ?? {}) as Record<string, unknown>;
  const missing = ['username', 'inviteCode', 'deviceName', 'platform'].filter(
    (k) => typeof b[k] !== 'string' || (b[k] as string).length === 0,
  );
  if (missing.length > 0) {
    throw badRequest(`Registration needs the string members ${missing.join(', ')}.`);
  }
  return b as unknown as RegistrationInput;
}

export async function register(
  ctx: SystemCtx,
  networkId: string,
  input: RegistrationInput,
): Promise<{ userId: string; appId: string; status: number }> {
  const lockout = ctx.services.config.registrationLockout;
  // The failure count must survive the refusal, so the transaction returns an outcome
  // and the error is thrown after it commits.
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('members')
      .selectAll()
      .where('network_id', '=', networkId)
      .where('kind', '=', 'user')
      .where('username_lc', '=', input.username.toLowerCase())
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
    if (user.status !== 1 || user.invite_code === null) {
      error = badRequest(
        'There is no pending invitation for this user; the code was already used.',
      );
    } else if (user.invite_code !== input.inviteCode) error = badRequest(INVALID);
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
    // Conditional on the state just read: of concurrent redemptions of one code (PostgreSQL
    // runs them in parallel), exactly one still finds the invitation pending.
    const claimed = await trx
      .updateTable('members')
      .set({
        status: 2,
        invite_code: null,
        invite_expires_at: null,
        challenge_failures: 0,
        last_login: now,
        last_activity: now,
        modified: now,
      })
      .where('member_id', '=', user.member_id)
      .where('status', '=', 1)
      .where('suspended', '=', 0)
      .where('invite_code', '=', input.inviteCode)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) {
      return {
        error: badRequest(
          'There is no pending invitation for this user; the code was already used.',
        ),
      };
    }
    const appId = await createDevice(
      { db: trx, services: ctx.services },
      {
        memberId: Number(user.member_id),
        networkId,
        deviceName: input.deviceName,
        platform: input.platform,
      },
    );
    return { ok: { userId: String(user.member_id), appId, status: 2 } };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.ok;
}
