/**
 * The invitee operations' handlers (contract/extensions/invitee.ts): the domain's redemption,
 * bot sign-in and guest rules (domain/registration.ts, bots.ts, guest-users.ts) called with
 * the pipeline's context, whose `record` writes the audit record of a success in the
 * transaction of its change.
 */
import { ApiError, badRequest } from '../../contract/errors.js';
import type { ExtensionName } from '../../contract/index.js';
import { botLogin } from '../../domain/bots.js';
import type { AnonymousCtx, Handler } from '../../domain/context.js';
import { recordGuestActivity } from '../../domain/guest-users.js';
import {
  decline,
  refusalAnswer,
  register,
  RegistrationRefused,
  viewInvitation,
  type InvitationView,
} from '../../domain/registration.js';

type InviteeName = Extract<
  ExtensionName,
  | 'Register'
  | 'Decline'
  | 'BotSignIn'
  | 'GuestActivity'
  | 'ViewInvitation'
  | 'DescribeInvitationLink'
  | 'SsoCallback'
>;

/**
 * A refusal that the code's holder may see explained: it carries the invitation's state (an
 * expired, used, suspended or declined invitation; an unknown code shows nothing) for the page.
 */
export class InvitationRefused extends ApiError {
  constructor(
    error: ApiError,
    readonly view: InvitationView,
  ) {
    super(error.errorName, error.message);
    this.logDetail = error.logDetail ?? view.reason ?? view.state;
  }
}

/**
 * Runs a redemption; a refusal the right code earns (expired, used, ...) gets the invitation's
 * state read again for the page, which counts nothing.
 */
async function explained<T>(
  ctx: AnonymousCtx,
  who: { networkId: string; username: string; inviteCode: string },
  redeem: () => Promise<T>,
): Promise<T> {
  try {
    return await redeem();
  } catch (e) {
    if (e instanceof RegistrationRefused && e.refusal !== 'invalid' && e.refusal !== 'locked') {
      throw new InvitationRefused(e, await viewInvitation(ctx, who.networkId, who));
    }
    throw e;
  }
}

export const inviteeHandlers: { [N in InviteeName]: Handler<N> } = {
  Register: (ctx, input) => explained(ctx, input, () => register(ctx, input.networkId, input)),

  Decline: (ctx, input) => explained(ctx, input, () => decline(ctx, input.networkId, input)),

  BotSignIn: (ctx, input) =>
    botLogin(ctx, input.networkId, {
      username: input.username,
      challenge: input.challenge,
      ...(input.pubkey !== undefined ? { pubkey: input.pubkey } : {}),
    }),

  GuestActivity: (ctx, input) => recordGuestActivity(ctx, input.networkId, input.username),

  ViewInvitation: async (ctx, input) => {
    const { networkId, username, inviteCode } = input;
    if (!username || !inviteCode) {
      const e = badRequest('The invitation link is incomplete: open the whole link.');
      e.logDetail = 'incomplete link';
      throw new InvitationRefused(e, { state: 'invalid', networkId });
    }
    const v = await viewInvitation(ctx, networkId, { username, inviteCode });
    if (v.state === 'valid' || v.state === 'used' || v.state === 'declined') {
      return {
        state: v.state,
        networkId,
        ...(v.networkName !== undefined ? { networkName: v.networkName } : {}),
        ...(v.username !== undefined ? { username: v.username } : {}),
        ...(v.expiresAt !== undefined ? { expiresAt: v.expiresAt } : {}),
      };
    }
    // A wrong code was counted; it, an expired code and a suspended user are refusals.
    throw new InvitationRefused(refusalAnswer(v.state), v);
  },

  DescribeInvitationLink: async (_ctx, input) => ({
    networkId: input.networkId,
    username: input.username ?? null,
    inviteCode: input.inviteCode ?? null,
    register: {
      method: 'POST',
      path: `/client/v1/networks/${input.networkId}/register`,
      body: { username: '...', inviteCode: '...', deviceName: '...', platform: '...' },
    },
  }),

  SsoCallback: async (_ctx, input) => ({
    networkId: input.networkId,
    code: input.code ?? null,
    state: input.state ?? null,
    ...(input.error
      ? { error: input.error, errorDescription: input.error_description ?? null }
      : {}),
    exchange: 'GetOidcInfo with code (and codeVerifier when PKCE was used)',
  }),
};
