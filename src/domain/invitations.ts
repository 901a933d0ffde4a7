/**
 * Invitations: the e-mail that carries an invite code (the codes and their validity are in
 * invite-codes.ts). The e-mail is written to the outbox in the caller's transaction, so it
 * exists exactly when the change that caused it was committed; the delivery worker sends it
 * later.
 */
import type { Ctx } from './context.js';
import { OUTBOX_STATUS, enqueue, withdrawPending } from './owners/outbox.js';

export interface Invitation {
  networkId: string;
  networkName: string;
  memberId: number;
  username: string;
  inviteCode: string;
  expiresAt: number;
}

export function registrationLink(
  publicUrl: string,
  i: Pick<Invitation, 'networkId' | 'username' | 'inviteCode'>,
): string {
  const q = new URLSearchParams({ username: i.username, inviteCode: i.inviteCode });
  return `${publicUrl.replace(/\/$/, '')}/client/v1/networks/${i.networkId}/invitation?${q.toString()}`;
}

export function invitationMessage(publicUrl: string, i: Invitation, reinvite: boolean) {
  const link = registrationLink(publicUrl, i);
  const expires = new Date(i.expiresAt).toISOString();
  return {
    subject: reinvite
      ? `Your invitation to the Wickr network ${i.networkName} (renewed)`
      : `You are invited to the Wickr network ${i.networkName}`,
    body:
      `Hello ${i.username},\n\n` +
      `You have been invited to join the Wickr network "${i.networkName}" (${i.networkId}).\n\n` +
      `Your invite code: ${i.inviteCode}\n` +
      `It is valid until ${expires}.\n\n` +
      `Register here: ${link}\n`,
  };
}

/** Queues invitation e-mails in the caller's transaction. */
export async function queueInvitations(
  ctx: Ctx,
  invitations: Invitation[],
  reinvite: boolean,
): Promise<void> {
  if (invitations.length === 0) return;
  const now = ctx.services.now();
  // Older invitations not yet sent carry a code that no longer works: never send them.
  if (reinvite)
    await withdrawPending(
      ctx.db,
      invitations.map((i) => i.memberId),
      OUTBOX_STATUS.SUPERSEDED,
    );
  const messages = invitations.map((i) => {
    const m = invitationMessage(ctx.services.config.publicUrl, i, reinvite);
    return {
      network_id: i.networkId,
      member_id: i.memberId,
      kind: reinvite ? 'reinvite' : 'invite',
      recipient: i.username,
      subject: m.subject,
      body_text: m.body,
      invite_code: i.inviteCode,
    };
  });
  const log = ctx.services.log;
  const logging = log.isLevelEnabled('info');
  const ids = await enqueue(ctx.db, messages, now, logging);
  // One line per invitation, naming the message but never its code.
  ids.forEach((outboxId, j) =>
    log.info(
      {
        reqId: ctx.requestId,
        networkId: messages[j]!.network_id,
        outboxId,
        kind: messages[j]!.kind,
      },
      'invitation queued',
    ),
  );
  ctx.services.mailQueued();
}
