/**
 * The console's view of what the API does not say: whether invitation e-mails can leave (no
 * WICKR_SMTP_URL: they wait in the outbox), the SSO callback URL, the SCIM base URL, and pending users' invitation
 * links, so that an administrator can hand a link over when no e-mail is sent. A link carries
 * the invite code: the operation is refused to keys without `wickr:RevealInvitationLinks`, each
 * success is audited (trait `auditReads`), and the link is never logged (sensitive).
 */
import type { Kysely } from 'kysely';
import type { InputOf } from '../../contract/index.js';
import type { RevealInvitationLinks } from '../../contract/extensions/console.js';
import { registrationLink } from '../../domain/invitations.js';
import { MEMBER_STATUS } from '../../domain/owners/members.js';
import { ssoCallbackUrl } from '../../domain/oidc.js';
import { scimBaseUrl } from '../../domain/scim/resources.js';
import type { Database } from '../../store/schema.js';

export const networkInfo = (publicUrl: string, mailConfigured: boolean, networkId: string) => ({
  mailConfigured,
  ssoCallbackUrl: ssoCallbackUrl(publicUrl, networkId),
  scimBaseUrl: scimBaseUrl(publicUrl, networkId),
});

/** The links of the pending users among `userIds`; why not, for the others. */
export async function invitationLinks(
  db: Kysely<Database>,
  publicUrl: string,
  now: number,
  input: InputOf<typeof RevealInvitationLinks>,
) {
  const ids = [...new Set(input.userIds.map(Number))];
  const rows = await db
    .selectFrom('members')
    .select([
      'member_id',
      'username',
      'status',
      'invite_code',
      'invite_expires_at',
      'invite_declined_at',
    ])
    .where('network_id', '=', input.networkId)
    .where('kind', '=', 'user')
    .where('member_id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((r) => [Number(r.member_id), r]));
  const invitations = [];
  const failed = [];
  for (const id of ids) {
    const r = byId.get(id);
    const userId = String(id);
    const why = !r
      ? `User ${userId} was not found in network ${input.networkId}.`
      : r.status !== MEMBER_STATUS.PENDING || !r.invite_code
        ? `${r.username} is not pending an invitation (already registered).`
        : r.invite_declined_at !== null
          ? `${r.username} declined the invitation; reinvite to give a new link.`
          : undefined;
    if (why || !r?.invite_code) {
      failed.push({ userId, reason: why ?? '' });
      continue;
    }
    const expiresAt = r.invite_expires_at === null ? null : Number(r.invite_expires_at);
    invitations.push({
      userId,
      username: r.username,
      inviteLink: registrationLink(publicUrl, {
        networkId: input.networkId,
        username: r.username,
        inviteCode: r.invite_code,
      }),
      expiresAt: expiresAt === null ? '' : new Date(expiresAt).toISOString(),
      expired: expiresAt !== null && expiresAt < now,
    });
  }
  return { invitations, failed };
}
