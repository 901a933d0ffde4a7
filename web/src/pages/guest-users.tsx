import { useState } from 'preact/hooks';
import { call } from '../api';
import { useRefusal } from '../session';
import {
  allowedProps,
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

export function GuestUsersPage({ networkId }: { networkId: string }) {
  const { sort, onSort, sortKey } = useSort('billingPeriod', 'DESC');
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const pager = usePager(`${sortKey}${query}`);
  const blockedPager = usePager(networkId);
  const guests = useLoad(
    () =>
      call('ListGuestUsers', {
        networkId,
        maxResults: 100,
        sortFields: sort.field,
        sortDirection: sort.direction,
        ...(query ? { username: query } : {}),
        ...(pager.token ? { nextToken: pager.token } : {}),
      }),
    [networkId, sort.field, sort.direction, query, pager.token],
  );
  const blocked = useLoad(
    () =>
      call('ListBlockedGuestUsers', {
        networkId,
        maxResults: 100,
        ...(blockedPager.token ? { nextToken: blockedPager.token } : {}),
      }),
    [networkId, blockedPager.token],
  );
  const history = useLoad(() => call('GetGuestUserHistoryCount', { networkId }), [networkId]);
  const [notice, setNotice] = useState('');
  const act = useAction();
  const blockedHashes = new Set((blocked.data?.blocklist ?? []).map((b) => b.usernameHash));
  const refusal = useRefusal()('UpdateGuestUser', networkId);
  const noteId = useId('policy');
  const setBlock = async (g: { username: string; usernameHash: string }, block: boolean) => {
    setNotice('');
    const ok = await act.run(() =>
      call('UpdateGuestUser', { networkId, usernameHash: g.usernameHash, block }),
    );
    if (ok) {
      setNotice(`${g.username} ${block ? 'blocked' : 'unblocked'}.`);
      blocked.reload();
    }
  };
  const list = guests.data?.guestlist ?? [];

  return (
    <section>
      <h1>Guest users</h1>
      <h2>Guests per month</h2>
      {history.loading && !history.data ? <Loading what="guest history" /> : null}
      <ErrorNote error={history.error} />
      {history.data ? <BarChart data={history.data.history} /> : null}

      <h2>Guests</h2>
      <form
        class="filters"
        role="search"
        aria-label="Search guests"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(search.trim());
        }}
      >
        <Field label="Search guests">
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
      <PolicyNote id={noteId} refusals={[refusal]} />
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorNote error={act.error} />
      <PagedTable
        what="guests"
        loaded={guests}
        count={list.length}
        pager={pager}
        caption={<>Guest users of network {networkId}</>}
        empty={<>No guest users{query ? ' match this search' : ' have used this network'}.</>}
        head={
          <>
            <SortHeader label="Username" field="username" sort={sort} onSort={onSort} />
            <SortHeader label="Billing period" field="billingPeriod" sort={sort} onSort={onSort} />
            <th scope="col">Actions</th>
          </>
        }
      >
        {list.map((g) => (
          <tr key={`${g.usernameHash}:${g.billingPeriod}`}>
            <td>{g.username}</td>
            <td>{g.billingPeriod}</td>
            <td>
              {blockedHashes.has(g.usernameHash) ? (
                <button
                  type="button"
                  {...allowedProps(refusal, noteId, act.busy)}
                  onClick={() => setBlock(g, false)}
                >
                  Unblock
                </button>
              ) : (
                <button
                  type="button"
                  {...allowedProps(refusal, noteId, act.busy)}
                  onClick={() => setBlock(g, true)}
                >
                  Block
                </button>
              )}
            </td>
          </tr>
        ))}
      </PagedTable>

      <h2>Blocked guests</h2>
      <PagedTable
        what="blocked guests"
        loaded={blocked}
        count={blocked.data?.blocklist.length ?? 0}
        pager={blockedPager}
        caption={<>Blocked guest users</>}
        empty={<>No guest is blocked.</>}
        head={
          <>
            <th scope="col">Username</th>
            <th scope="col">Blocked by</th>
            <th scope="col">Modified</th>
            <th scope="col">Actions</th>
          </>
        }
      >
        {(blocked.data?.blocklist ?? []).map((b) => (
          <tr key={b.usernameHash}>
            <td>{b.username}</td>
            <td>{b.admin}</td>
            <td>{b.modified}</td>
            <td>
              <button
                type="button"
                {...allowedProps(refusal, noteId, act.busy)}
                onClick={() => setBlock(b, false)}
              >
                Unblock
              </button>
            </td>
          </tr>
        ))}
      </PagedTable>
    </section>
  );
}

/**
 * Guests per month as bars. Drawn as plain SVG: one series of at most a few dozen months needs
 * no chart library (and none would fit the bundle budget as cheaply); the numbers are also in
 * a table for screen readers.
 */
function BarChart({ data }: { data: { month: string; count: string }[] }) {
  if (data.length === 0) return <p class="empty">No guest activity yet.</p>;
  const rows = [...data].sort((a, b) => a.month.localeCompare(b.month)).slice(-24);
  const max = Math.max(1, ...rows.map((r) => Number(r.count)));
  const barW = 56;
  const gap = 16;
  const h = 160;
  const top = 22;
  const width = rows.length * (barW + gap) + gap;
  return (
    <figure class="chart">
      <svg
        role="img"
        aria-label="Guest users per month"
        viewBox={`0 0 ${width} ${h + top + 30}`}
        width={width}
        height={h + top + 30}
      >
        {rows.map((r, i) => {
          const v = Number(r.count);
          const bh = Math.round((v / max) * h);
          const x = gap + i * (barW + gap);
          return (
            <g key={r.month}>
              <rect x={x} y={top + h - bh} width={barW} height={bh} class="bar" />
              <text x={x + barW / 2} y={top + h - bh - 6} text-anchor="middle" class="value">
                {v}
              </text>
              <text x={x + barW / 2} y={top + h + 18} text-anchor="middle" class="label">
                {r.month}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <table class="sr-only">
          <caption>Guest users per month</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">Guests</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.month}>
                <td>{r.month}</td>
                <td>{r.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
