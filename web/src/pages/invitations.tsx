import { useState } from 'preact/hooks';
import { outbox } from '../api';
import { useRefusal } from '../session';
import { Field, PolicyNote, useId, useLoad, usePager } from '../ui';
import { PagedTable } from '../components/paged-table';
import { deliveryText, InviteLink, MailBanner, useNetworkInfo } from '../components/invitation';

/**
 * The network's outbox: invitation e-mails queued, sent or failed, newest first; the code's
 * expiry while it is still the user's, and its link to copy (when no e-mail leaves, the way to
 * get an invitation to someone).
 */
export function InvitationsPage({ networkId }: { networkId: string }) {
  const [status, setStatus] = useState('');
  const pager = usePager(status);
  const info = useNetworkInfo(networkId);
  const page = useLoad(
    () =>
      outbox(networkId, { status: status || undefined, nextToken: pager.token, maxResults: '100' }),
    [networkId, status, pager.token],
  );
  const messages = page.data?.messages ?? [];
  const refusal = useRefusal()('RevealInvitationLinks', networkId);
  const noteId = useId('policy');
  return (
    <section>
      <h1>Invitations</h1>
      <MailBanner mailConfigured={info.data?.mailConfigured} />
      <p class="hint">The e-mails this network sends, as the delivery worker sees them.</p>
      <PolicyNote
        id={noteId}
        refusals={[
          refusal &&
            `${refusal} Invite links carry the invite code: the key needs wickr:RevealInvitationLinks.`,
        ]}
      />
      <div class="filters">
        <Field label="Delivery status">
          {(c) => (
            <select {...c} value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">All</option>
              <option value="pending">Queued</option>
              <option value="sent">Sent</option>
              <option value="failed">Failed</option>
              <option value="superseded">Superseded</option>
              <option value="withdrawn">Withdrawn</option>
            </select>
          )}
        </Field>
        <button type="button" onClick={page.reload}>
          Refresh
        </button>
      </div>
      <PagedTable
        what="the outbox"
        loaded={page}
        count={messages.length}
        pager={pager}
        caption={<>Outbox of network {networkId}</>}
        empty={<>No messages.</>}
        head={
          <>
            <th scope="col">Recipient</th>
            <th scope="col">Subject</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last error</th>
            <th scope="col">Queued</th>
            <th scope="col">Sent</th>
            <th scope="col">Code expires</th>
            <th scope="col">Invite link</th>
          </>
        }
      >
        {messages.map((m) => (
          <tr key={m.id} class={m.status === 'failed' ? 'failed' : ''}>
            <td>{m.recipient}</td>
            <td>{m.subject}</td>
            <td>{deliveryText(m.status)}</td>
            <td>{m.attempts}</td>
            <td>{m.lastError ?? ''}</td>
            <td>{new Date(m.createdAt).toLocaleString('en')}</td>
            <td>{m.sentAt ? new Date(m.sentAt).toLocaleString('en') : ''}</td>
            <td>{m.inviteExpiresAt ? new Date(m.inviteExpiresAt).toLocaleString('en') : ''}</td>
            <td>
              {/* Only the message carrying the user's current code has a link to give. */}
              {m.inviteExpiresAt && m.userId ? (
                <InviteLink
                  networkId={networkId}
                  userId={m.userId}
                  label={`Copy invite link for ${m.recipient}`}
                  policyNoteId={noteId}
                />
              ) : null}
            </td>
          </tr>
        ))}
      </PagedTable>
    </section>
  );
}
