/**
 * Invitations when no e-mail leaves: the banner saying mail is not configured, and a pending
 * user's invitation link with Copy invite link. The link carries the invite code, so it is
 * read only when asked for (one audited RevealInvitationLinks call per click), and the button
 * is disabled with the reason for a key whose policy does not allow it.
 */
import { useState } from 'preact/hooks';
import { ApiFailure, callConsole, outbox } from '../api';
import { useRefusal } from '../session';
import { allowedProps, ErrorNote, Notice, useAction, useId, useLoad } from '../ui';
import { copyText } from './copy';

/** What the server says of itself for a network's pages (mail, SSO callback and SCIM base URLs). */
export function useNetworkInfo(networkId: string) {
  return useLoad(() => callConsole('GetConsoleNetworkInfo', { networkId }), [networkId]);
}

export function MailBanner({ mailConfigured }: { mailConfigured: boolean | undefined }) {
  if (mailConfigured !== false) return null;
  return (
    <div class="banner" role="note" aria-label="Mail is not configured">
      <strong>Mail is not configured on this server</strong> (no <code>WICKR_SMTP_URL</code>):
      invitations are not e-mailed. They wait in the outbox, queued, and go out once mail is
      configured. Until then, give each person their invite link yourself: use{' '}
      <strong>Copy invite link</strong> in the user&apos;s panel or on the Invitations page.
    </div>
  );
}

/**
 * Copy invite link for one pending user: reads the link (audited), copies it and shows it with
 * its expiry. `label` names the button when there are several on a page.
 */
export function InviteLink(props: {
  networkId: string;
  userId: string;
  label?: string;
  /** The page's own note of the refusal (a table of many links says it once). */
  policyNoteId?: string;
}) {
  const refusal = useRefusal()('RevealInvitationLinks', props.networkId);
  const ownNote = useId('policy');
  const noteId = props.policyNoteId ?? ownNote;
  const [link, setLink] = useState<{ url: string; expiresAt: string; expired: boolean }>();
  const [copied, setCopied] = useState<boolean | undefined>();
  const { busy, error, setError, run } = useAction();
  const fieldId = useId('link');
  const copy = async () => {
    setCopied(undefined);
    const r = await run(() =>
      callConsole('RevealInvitationLinks', {
        networkId: props.networkId,
        userIds: [props.userId],
      }),
    );
    if (!r) return;
    const found = r.invitations[0];
    if (!found) {
      setLink(undefined);
      setError(new ApiFailure(0, 'BadRequestError', r.failed[0]?.reason ?? 'No invitation.'));
      return;
    }
    setLink({ url: found.inviteLink, expiresAt: found.expiresAt, expired: found.expired });
    setCopied(await copyText(found.inviteLink));
  };
  return (
    <div class="invite-link">
      {refusal && !props.policyNoteId ? (
        <p id={noteId} class="policy-note">
          <strong>Disabled for this access key: </strong>
          {refusal} Invite links carry the invite code: the key needs{' '}
          <code>wickr:RevealInvitationLinks</code>.
        </p>
      ) : null}
      <button
        type="button"
        {...allowedProps(refusal, noteId, busy)}
        {...(props.label ? { 'aria-label': props.label } : {})}
        onClick={() => void copy()}
      >
        Copy invite link
      </button>
      {link ? (
        <div class="field">
          <label for={fieldId}>
            Invite link ({link.expired ? 'expired' : 'expires'}{' '}
            {new Date(link.expiresAt).toLocaleString('en')})
          </label>
          <input id={fieldId} readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
        </div>
      ) : null}
      {copied === true ? <Notice>Invite link copied to the clipboard.</Notice> : null}
      {copied === false ? (
        <Notice>The browser would not copy: select the link above and copy it.</Notice>
      ) : null}
      <ErrorNote error={error} />
    </div>
  );
}

/** How an outbox status reads. */
export const deliveryText = (status: string) =>
  status === 'pending' ? 'Queued' : status[0]!.toUpperCase() + status.slice(1);

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString('en') : '—');

/** A pending user's invitation in the user's panel: its e-mail's state, expiry and the link. */
export function PendingInvitation(props: { networkId: string; userId: string }) {
  const { networkId, userId } = props;
  const latest = useLoad(
    () => outbox(networkId, { userId, maxResults: '1' }).then((p) => p.messages[0] ?? null),
    [networkId, userId],
  );
  const m = latest.data;
  return (
    <section aria-labelledby={`inv-${userId}`}>
      <h3 id={`inv-${userId}`}>Invitation</h3>
      <ErrorNote error={latest.error} />
      {m === null ? <p class="empty">No invitation e-mail was queued for this user.</p> : null}
      {m ? (
        <dl class="facts">
          <dt>E-mail</dt>
          <dd>
            {deliveryText(m.status)}
            {m.lastError ? ` (${m.lastError})` : ''}
          </dd>
          <dt>Queued</dt>
          <dd>{when(m.createdAt)}</dd>
          <dt>Sent</dt>
          <dd>{when(m.sentAt)}</dd>
          <dt>Attempts</dt>
          <dd>{m.attempts}</dd>
          <dt>Expires</dt>
          <dd>{when(m.inviteExpiresAt)}</dd>
        </dl>
      ) : null}
      <InviteLink networkId={networkId} userId={userId} />
    </section>
  );
}
