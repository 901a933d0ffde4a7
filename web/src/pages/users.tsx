/** The team directory: counts, a server-side paged table, invitations, CSV import, bulk actions. */
import { useEffect, useState } from 'preact/hooks';
import { call, chunks, clientToken } from '../api';
import { Confirm, ErrorNote, Field, Notice, SortHeader, useAction, useLoad, usePager } from '../ui';
import { PagedTable, useSort } from '../components/paged-table';
import { InviteUsers } from './users-invite';
import { ImportCsv } from './users-import';
import { UserDetail } from './users-detail';
import { LookUpUnames } from './users-lookup';

export interface User {
  userId: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  status?: number;
  suspended?: boolean;
  securityGroups?: string[];
  isInviteExpired?: boolean;
  inviteCode?: string;
}

export interface Group {
  id: string;
  name: string;
}

const STATUS = (u: User) =>
  u.suspended
    ? 'Suspended'
    : u.status === 2
      ? 'Active'
      : u.isInviteExpired
        ? 'Invitation expired'
        : 'Pending';

type BulkAction = 'Reinvite' | 'Suspend' | 'Unsuspend' | 'Reset devices' | 'Delete';

export function UsersPage({ networkId }: { networkId: string }) {
  const [status, setStatus] = useState('');
  const [groupId, setGroupId] = useState('');
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const { sort, onSort, sortKey } = useSort('username');
  const filterKey = `${status}|${groupId}|${query}|${sortKey}`;
  const pager = usePager(filterKey);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [panel, setPanel] = useState<'invite' | 'import' | 'lookup' | undefined>();
  const [detail, setDetail] = useState<string | undefined>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [notice, setNotice] = useState('');
  const bulk = useAction();

  const counts = useLoad(
    () =>
      call<{ pending: number; active: number; rejected: number; remaining: number; total: number }>(
        'GetUsersCount',
        { networkId },
      ),
    [networkId],
  );
  const groups = useLoad(
    () =>
      call<{ securityGroups: Group[] }>('ListSecurityGroups', { networkId, maxResults: 100 }).then(
        (r) => r.securityGroups,
      ),
    [networkId],
  );
  const list = useLoad(
    () =>
      call<{ users?: User[]; nextToken?: string }>('ListUsers', {
        networkId,
        maxResults: 100,
        sortFields: sort.field,
        sortDirection: sort.direction,
        ...(status ? { status: Number(status) } : {}),
        ...(groupId ? { groupId } : {}),
        ...(query ? { username: query } : {}),
        ...(pager.token ? { nextToken: pager.token } : {}),
      }),
    [networkId, filterKey, pager.token],
  );
  useEffect(() => setSelected(new Set()), [filterKey, pager.token]);
  const users = list.data?.users ?? [];
  const refresh = () => {
    list.reload();
    counts.reload();
  };
  const groupName = (id: string) => groups.data?.find((g) => g.id === id)?.name ?? id;

  async function runBulk(action: BulkAction) {
    const ids = [...selected];
    const summary = await bulk.run(async () => {
      let ok = 0;
      const failed: string[] = [];
      const tally = (r: {
        successful?: unknown[];
        failed?: { userId?: string; reason?: string }[];
      }) => {
        ok += r.successful?.length ?? 0;
        for (const f of r.failed ?? []) failed.push(`${f.userId}: ${f.reason}`);
      };
      if (action === 'Reset devices') {
        for (const userId of ids) {
          const d = await call<{ devices: { appId?: string }[] }>('ListDevicesForUser', {
            networkId,
            userId,
            maxResults: 100,
          });
          const appIds = d.devices.map((x) => x.appId).filter((x): x is string => !!x);
          if (appIds.length === 0) {
            ok += 1;
            continue;
          }
          for (const part of chunks(appIds)) {
            await call('BatchResetDevicesForUser', {
              networkId,
              userId,
              appIds: part,
              clientToken: clientToken(),
            });
          }
          ok += 1;
        }
      } else {
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
      }
      return { ok, failed };
    });
    if (summary) {
      setNotice(
        `${action}: ${summary.ok} done` +
          (summary.failed.length ? `; failed: ${summary.failed.join('; ')}` : '.'),
      );
      setSelected(new Set());
      refresh();
    }
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

  const allChecked = users.length > 0 && users.every((u) => selected.has(u.userId));

  return (
    <section>
      <h1>Users</h1>
      <Counts data={counts.data} />
      <div class="toolbar">
        <button type="button" onClick={() => setPanel(panel === 'invite' ? undefined : 'invite')}>
          Invite users
        </button>
        <button type="button" onClick={() => setPanel(panel === 'import' ? undefined : 'import')}>
          Import CSV
        </button>
        <button type="button" onClick={() => setPanel(panel === 'lookup' ? undefined : 'lookup')}>
          Look up unames
        </button>
      </div>
      {panel === 'invite' ? (
        <InviteUsers
          networkId={networkId}
          groups={groups.data ?? []}
          onDone={(n) => {
            setNotice(`${n} invitation${n === 1 ? '' : 's'} sent.`);
            refresh();
          }}
        />
      ) : null}
      {panel === 'import' ? (
        <ImportCsv networkId={networkId} groups={groups.data ?? []} onDone={refresh} />
      ) : null}
      {panel === 'lookup' ? <LookUpUnames networkId={networkId} /> : null}

      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(search.trim());
        }}
      >
        <Field label="Status">
          {(id) => (
            <select id={id} value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">All</option>
              <option value="1">Pending</option>
              <option value="2">Active</option>
            </select>
          )}
        </Field>
        <Field label="Security group">
          {(id) => (
            <select id={id} value={groupId} onChange={(e) => setGroupId(e.currentTarget.value)}>
              <option value="">All</option>
              {(groups.data ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <label>
          Search usernames
          <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <button type="submit">Search</button>
      </form>

      <div class="toolbar" role="group" aria-label="Selected users">
        <span>{selected.size} selected</span>
        {(['Reinvite', 'Suspend', 'Unsuspend', 'Reset devices'] as const).map((a) => (
          <button
            key={a}
            type="button"
            disabled={selected.size === 0 || bulk.busy}
            onClick={() => runBulk(a)}
          >
            {a}
          </button>
        ))}
        <button
          type="button"
          class="danger"
          disabled={selected.size === 0 || bulk.busy}
          onClick={() => setConfirmDelete(true)}
        >
          Delete
        </button>
      </div>
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
                    e.currentTarget.checked ? new Set(users.map((u) => u.userId)) : new Set(),
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
        {users.map((u) => (
          <tr key={u.userId} class={selected.has(u.userId) ? 'selected' : ''}>
            <td>
              <input
                type="checkbox"
                aria-label={`Select ${u.username}`}
                checked={selected.has(u.userId)}
                onChange={(e) => {
                  const next = new Set(selected);
                  if (e.currentTarget.checked) next.add(u.userId);
                  else next.delete(u.userId);
                  setSelected(next);
                }}
              />
            </td>
            <td>
              <button type="button" class="link" onClick={() => setDetail(u.userId)}>
                {u.username}
              </button>
            </td>
            <td>{u.firstName}</td>
            <td>{u.lastName}</td>
            <td>{STATUS(u)}</td>
            <td>{(u.securityGroups ?? []).map(groupName).join(', ')}</td>
            <td>{u.userId}</td>
          </tr>
        ))}
      </PagedTable>
      {detail ? (
        <UserDetail
          networkId={networkId}
          userId={detail}
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

function Counts({
  data,
}: {
  data?: { pending: number; active: number; rejected: number; remaining: number; total: number };
}) {
  if (!data) return <p class="counts">Counting users…</p>;
  return (
    <dl class="counts" aria-label="User counts">
      {(
        [
          ['Active', data.active],
          ['Pending', data.pending],
          ['Declined', data.rejected],
          ['Total', data.total],
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
