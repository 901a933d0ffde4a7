/** The team directory: counts, a server-side paged table, invitations, CSV import, bulk actions. */
import { useEffect, useState } from 'preact/hooks';
import { call, clientToken, listAll, type Output } from '../api';
import { chunks } from '../../../src/client/csv/batches';
import { useRefusal } from '../session';
import {
  allowedProps,
  Confirm,
  ErrorNote,
  Field,
  Loading,
  Notice,
  PolicyNote,
  SortHeader,
  useAction,
  useId,
  useLoad,
  usePager,
} from '../ui';
import { PagedTable, useSort } from '../components/paged-table';
import { InviteUsers } from './users-invite';
import { ImportCsv } from './users-import';
import { UserDetail } from './users-detail';
import { LookUpUnames } from './users-lookup';
import { STATUS_FILTERS, statusText, type User } from './user-status';
import { MailBanner, useNetworkInfo } from '../components/invitation';
import type { BulkCsv as BulkCsvPanel } from './users-bulk-csv';

type BulkAction = 'Reinvite' | 'Suspend' | 'Unsuspend' | 'Reset devices' | 'Delete';

const BULK_OPERATION = {
  Reinvite: 'BatchReinviteUser',
  Suspend: 'BatchToggleUserSuspendStatus',
  Unsuspend: 'BatchToggleUserSuspendStatus',
  'Reset devices': 'BatchResetDevicesForUser',
  Delete: 'BatchDeleteUser',
} as const;

/** A page filtered in the browser looks through at most this many server pages of 100. */
const SCAN_PAGES = 10;

interface UsersPageData {
  users: User[];
  nextToken?: string;
  /** Users the browser looked through for this page, when it filtered them. */
  scanned?: number;
}

export function UsersPage({ networkId }: { networkId: string }) {
  const [status, setStatus] = useState('');
  const [groupId, setGroupId] = useState('');
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const { sort, onSort, sortKey } = useSort('username');
  const filterKey = `${status}|${groupId}|${query}|${sortKey}`;
  const pager = usePager(filterKey);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [panel, setPanel] = useState<'invite' | 'import' | 'lookup' | 'bulk' | undefined>();
  const [exported, setExported] = useState<number | undefined>();
  // Loaded when first opened: most visits never use it (the first load stays small).
  const [BulkCsv, setBulkCsv] = useState<typeof BulkCsvPanel | undefined>();
  useEffect(() => {
    if (panel === 'bulk' && !BulkCsv)
      void import('./users-bulk-csv').then((m) => setBulkCsv(() => m.BulkCsv));
  }, [panel]);
  const exporting = useAction();
  const [detail, setDetail] = useState<string | undefined>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [notice, setNotice] = useState('');
  const bulk = useAction();
  const refusal = useRefusal();
  const noteId = useId('policy');

  const counts = useLoad(() => call('GetUsersCount', { networkId }), [networkId]);
  const info = useNetworkInfo(networkId);
  const mailConfigured = info.data?.mailConfigured;
  const anyDeclined = (counts.data?.rejected ?? 0) > 0;
  const groups = useLoad(
    () => listAll('ListSecurityGroups', { networkId }, (p) => p.securityGroups),
    [networkId],
  );
  const filter = STATUS_FILTERS[status] ?? STATUS_FILTERS['']!;
  const list = useLoad(async (): Promise<UsersPageData> => {
    const page = (nextToken: string | undefined) =>
      call('ListUsers', {
        networkId,
        maxResults: 100,
        sortFields: sort.field,
        sortDirection: sort.direction,
        ...filter.server,
        ...(groupId ? { groupId } : {}),
        ...(query ? { username: query } : {}),
        ...(nextToken ? { nextToken } : {}),
      });
    // Until someone declines, every pending user is Pending: the server's filter says it all.
    const keep = status === 'pending' && !anyDeclined ? undefined : filter.keep;
    if (!keep) {
      const r = await page(pager.token);
      return { users: r.users ?? [], ...(r.nextToken ? { nextToken: r.nextToken } : {}) };
    }
    // Filtered in the browser: read on until a page's worth matched, within a bound.
    const users: User[] = [];
    let token = pager.token;
    let scanned = 0;
    for (let i = 0; i < SCAN_PAGES && users.length < 100; i++) {
      const r = await page(token);
      scanned += r.users?.length ?? 0;
      users.push(...(r.users ?? []).filter((u) => keep(u, anyDeclined)));
      token = r.nextToken;
      if (!token) break;
    }
    return { users, scanned, ...(token ? { nextToken: token } : {}) };
  }, [networkId, filterKey, pager.token, anyDeclined]);
  useEffect(() => setSelected(new Set()), [filterKey, pager.token]);
  const users = list.data?.users ?? [];
  const refresh = () => {
    list.reload();
    counts.reload();
  };
  const groupName = (id: string) => groups.data?.find((g) => g.id === id)?.name ?? id;
  const nameOf = (id: string) => users.find((u) => u.userId === id)?.username ?? `user ${id}`;

  /**
   * Runs a bulk action over the selection, 50 users a request. Each request's outcome is kept
   * as it comes: when a later one fails, the summary still says what the earlier ones did, the
   * list is refreshed, and only the users not done stay selected, so running the action again
   * does not repeat it for the others (a second invitation e-mail, for Reinvite).
   */
  async function runBulk(action: BulkAction) {
    const ids = [...selected];
    const done = new Set<string>();
    const failed: string[] = [];
    setNotice('');
    const tally = (r: {
      successful?: { userId?: string }[];
      failed?: { userId?: string; reason?: string }[];
    }) => {
      for (const s of r.successful ?? []) if (s.userId) done.add(s.userId);
      for (const f of r.failed ?? []) failed.push(`${nameOf(f.userId ?? '')}: ${f.reason ?? ''}`);
    };
    const outcome = await bulk.run(async () => {
      if (action === 'Reset devices') {
        for (const userId of ids) {
          const d = await call('ListDevicesForUser', { networkId, userId, maxResults: 100 });
          const appIds = (d.devices ?? []).map((x) => x.appId).filter((x): x is string => !!x);
          for (const part of chunks(appIds)) {
            await call('BatchResetDevicesForUser', {
              networkId,
              userId,
              appIds: part,
              clientToken: clientToken(),
            });
          }
          done.add(userId);
        }
        return true;
      }
      for (const userIds of chunks(ids)) {
        const common = { networkId, userIds, clientToken: clientToken() };
        if (action === 'Reinvite') tally(await call('BatchReinviteUser', common));
        else if (action === 'Delete') tally(await call('BatchDeleteUser', common));
        else
          tally(
            await call('BatchToggleUserSuspendStatus', {
              ...common,
              suspend: action === 'Suspend',
            }),
          );
      }
      return true;
    });
    const stopped = outcome === undefined;
    const notSent = ids.length - done.size - failed.length;
    setNotice(
      `${action}: ${done.size} done` +
        (failed.length ? `; failed: ${failed.join('; ')}` : '') +
        (stopped && notSent > 0
          ? `; ${notSent} not done, still selected: run ${action} again for them.`
          : '.'),
    );
    setSelected((s) => new Set([...s].filter((id) => !done.has(id))));
    refresh();
  }

  if (list.error?.type === 'ForbiddenError') {
    // The key may not list users here: say so plainly instead of showing an empty directory.
    return (
      <section>
        <h1>Users</h1>
        <ErrorNote error={list.error} />
      </section>
    );
  }

  const allChecked = users.length > 0 && users.every((u) => selected.has(u.userId ?? ''));
  const cannot = {
    invite: refusal('BatchCreateUser', networkId),
    lookup: refusal('BatchLookupUserUname', networkId),
    bulk:
      refusal('BatchToggleUserSuspendStatus', networkId) && refusal('BatchDeleteUser', networkId),
    ...Object.fromEntries(
      Object.entries(BULK_OPERATION).map(([a, op]) => [a, refusal(op, networkId)]),
    ),
  } as Record<'invite' | 'lookup' | 'bulk' | BulkAction, string | undefined>;
  const toggle = (p: 'invite' | 'import' | 'lookup' | 'bulk') => {
    setNotice('');
    setPanel(panel === p ? undefined : p);
  };

  return (
    <section>
      <h1>Users</h1>
      <Counts data={counts.data} />
      <PolicyNote id={noteId} refusals={Object.values(cannot)} />
      <div class="toolbar">
        <button
          type="button"
          aria-expanded={panel === 'invite'}
          {...allowedProps(cannot.invite, noteId)}
          onClick={() => toggle('invite')}
        >
          Invite users
        </button>
        <button
          type="button"
          aria-expanded={panel === 'import'}
          {...allowedProps(cannot.invite, noteId)}
          onClick={() => toggle('import')}
        >
          Import CSV
        </button>
        <button
          type="button"
          aria-expanded={panel === 'lookup'}
          {...allowedProps(cannot.lookup, noteId)}
          onClick={() => toggle('lookup')}
        >
          Look up unames
        </button>
        <button
          type="button"
          aria-expanded={panel === 'bulk'}
          {...allowedProps(cannot.bulk, noteId)}
          onClick={() => toggle('bulk')}
        >
          Bulk actions from CSV
        </button>
        <button
          type="button"
          disabled={exporting.busy}
          onClick={async () => {
            setNotice('');
            setExported(0);
            const n = await exporting.run(async () =>
              (await import('./users-export')).exportUsers(networkId, anyDeclined, setExported),
            );
            setExported(undefined);
            if (n !== undefined)
              setNotice(
                `Exported ${n.toLocaleString('en')} user${n === 1 ? '' : 's'} to users-${networkId}.csv.`,
              );
          }}
        >
          Export CSV
        </button>
      </div>
      {exporting.busy && exported !== undefined ? (
        <p role="status">Exporting: {exported.toLocaleString('en')} users read…</p>
      ) : null}
      <ErrorNote error={exporting.error} />
      {panel === 'invite' || panel === 'import' ? (
        <MailBanner mailConfigured={mailConfigured} />
      ) : null}
      {panel === 'invite' ? (
        <InviteUsers
          networkId={networkId}
          groups={groups.data ?? []}
          onDone={(n, left) => {
            setNotice(
              (mailConfigured === false
                ? `${n} invitation${n === 1 ? '' : 's'} queued (mail is not configured: copy each invite link from the user's panel).`
                : `${n} invitation${n === 1 ? '' : 's'} sent.`) +
                (left ? ` ${left} not sent: see the rows left in the form.` : ''),
            );
            refresh();
          }}
        />
      ) : null}
      {panel === 'import' ? (
        <ImportCsv networkId={networkId} groups={groups.data} onDone={refresh} />
      ) : null}
      {panel === 'lookup' ? <LookUpUnames networkId={networkId} /> : null}
      {panel === 'bulk' ? (
        BulkCsv ? (
          <BulkCsv networkId={networkId} onDone={refresh} />
        ) : (
          <Loading what="the CSV actions" />
        )
      ) : null}

      <form
        class="filters"
        role="search"
        aria-label="Filter users"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(search.trim());
        }}
      >
        <Field label="Status">
          {(c) => (
            <select {...c} value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              {Object.entries(STATUS_FILTERS).map(([value, f]) => (
                <option key={value} value={value}>
                  {f.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Security group">
          {(c) => (
            <select {...c} value={groupId} onChange={(e) => setGroupId(e.currentTarget.value)}>
              <option value="">All</option>
              {(groups.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Search usernames">
          {(c) => (
            <input
              {...c}
              type="search"
              value={search}
              onInput={(e) => setSearch(e.currentTarget.value)}
            />
          )}
        </Field>
        <button type="submit">Search</button>
      </form>
      {list.data?.scanned !== undefined ? (
        <p class="hint" role="status">
          {filter.label} users are picked out in the browser (the API filters only pending or active
          users): this page looked through {list.data.scanned.toLocaleString('en')} users
          {list.data.nextToken ? '; Next page looks further.' : '.'}
        </p>
      ) : null}

      <div class="toolbar" role="group" aria-label="Selected users">
        <span>{selected.size} selected</span>
        {(['Reinvite', 'Suspend', 'Unsuspend', 'Reset devices'] as const).map((a) => (
          <button
            key={a}
            type="button"
            {...allowedProps(cannot[a], noteId, selected.size === 0 || bulk.busy)}
            onClick={() => runBulk(a)}
          >
            {a}
          </button>
        ))}
        <button
          type="button"
          class="danger"
          {...allowedProps(cannot.Delete, noteId, selected.size === 0 || bulk.busy)}
          onClick={() => setConfirmDelete(true)}
        >
          Delete
        </button>
      </div>
      {bulk.busy ? <p role="status">Working…</p> : null}
      {notice ? <Notice>{notice}</Notice> : null}
      {!confirmDelete ? <ErrorNote error={bulk.error} /> : null}

      <PagedTable
        what="users"
        loaded={list}
        count={users.length}
        pager={pager}
        busy={list.loading}
        caption={<>Users of network {networkId}</>}
        empty={
          <>
            {query || status || groupId
              ? 'No user matches these filters.'
              : 'No users yet: invite some or import a CSV file.'}
          </>
        }
        head={
          <>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select all users on this page"
                checked={allChecked}
                onChange={(e) =>
                  setSelected(
                    e.currentTarget.checked ? new Set(users.map((u) => u.userId ?? '')) : new Set(),
                  )
                }
              />
            </th>
            <SortHeader label="Username" field="username" sort={sort} onSort={onSort} />
            <SortHeader label="First name" field="firstName" sort={sort} onSort={onSort} />
            <SortHeader label="Last name" field="lastName" sort={sort} onSort={onSort} />
            <SortHeader label="Status" field="status" sort={sort} onSort={onSort} />
            <SortHeader label="Security groups" field="groupId" sort={sort} onSort={onSort} />
            <th scope="col">User ID</th>
          </>
        }
      >
        {users.map((u) => {
          const id = u.userId ?? '';
          return (
            <tr key={id} class={selected.has(id) ? 'selected' : ''}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select ${u.username ?? id}`}
                  checked={selected.has(id)}
                  onChange={(e) => {
                    const next = new Set(selected);
                    if (e.currentTarget.checked) next.add(id);
                    else next.delete(id);
                    setSelected(next);
                  }}
                />
              </td>
              <td>
                <button type="button" class="link" onClick={() => setDetail(id)}>
                  {u.username}
                </button>
              </td>
              <td>{u.firstName}</td>
              <td>{u.lastName}</td>
              <td>{statusText(u, anyDeclined)}</td>
              <td>{(u.securityGroups ?? []).map(groupName).join(', ')}</td>
              <td>{id}</td>
            </tr>
          );
        })}
      </PagedTable>
      {detail ? (
        <UserDetail
          networkId={networkId}
          userId={detail}
          status={(() => {
            const u = users.find((x) => x.userId === detail);
            return u ? statusText(u, anyDeclined) : undefined;
          })()}
          groups={groups.data ?? []}
          onClose={() => setDetail(undefined)}
          onChanged={refresh}
        />
      ) : null}
      {confirmDelete ? (
        <Confirm
          title={`Delete ${selected.size} user${selected.size === 1 ? '' : 's'}?`}
          confirmLabel="Delete users"
          busy={bulk.busy}
          error={bulk.error}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={async () => {
            await runBulk('Delete');
            setConfirmDelete(false);
          }}
        >
          <p>They lose access at once; this cannot be undone.</p>
        </Confirm>
      ) : null}
    </section>
  );
}

/**
 * The counters of GetUsersCount, with Total as the sum of the three statuses, so it counts the
 * rows the list shows with no filter (the API's own total leaves declined invitations out).
 */
function Counts({ data }: { data?: Output<'GetUsersCount'> }) {
  if (!data) return <p class="counts">Counting users…</p>;
  return (
    <dl class="counts" aria-label="User counts">
      {(
        [
          ['Active', data.active],
          ['Pending', data.pending],
          ['Declined', data.rejected],
          ['Total', data.active + data.pending + data.rejected],
          ['Seats left', data.remaining],
        ] as const
      ).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v.toLocaleString('en')}</dd>
        </div>
      ))}
    </dl>
  );
}
