import { useState } from 'preact/hooks';
import { outbox } from '../api';
import { Field, useLoad, usePager } from '../ui';
import { PagedTable } from '../components/paged-table';

/** The network's outbox: invitation e-mails queued, sent or failed, newest first. */
export function InvitationsPage({ networkId }: { networkId: string }) {
  const [status, setStatus] = useState('');
  const pager = usePager(status);
  const page = useLoad(
    () =>
      outbox(networkId, { status: status || undefined, nextToken: pager.token, maxResults: '100' }),
    [networkId, status, pager.token],
  );
  const messages = page.data?.messages ?? [];
  return (
    <section>
      <h1>Invitations</h1>
      <p class="hint">The e-mails this network sends, as the delivery worker sees them.</p>
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
          </>
        }
      >
        {messages.map((m) => (
          <tr key={m.id} class={m.status === 'failed' ? 'failed' : ''}>
            <td>{m.recipient}</td>
            <td>{m.subject}</td>
            <td>
              {m.status === 'pending' ? 'Queued' : m.status[0]!.toUpperCase() + m.status.slice(1)}
            </td>
            <td>{m.attempts}</td>
            <td>{m.lastError ?? ''}</td>
            <td>{new Date(m.createdAt).toLocaleString('en')}</td>
            <td>{m.sentAt ? new Date(m.sentAt).toLocaleString('en') : ''}</td>
          </tr>
        ))}
      </PagedTable>
    </section>
  );
}
