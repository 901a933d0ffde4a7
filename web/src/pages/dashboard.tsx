/**
 * A network's landing page: its figures as the server counts them (GetNetworkDashboard, SQL
 * aggregates over the network's rows), each as a chart and as a table of the same numbers,
 * and all of them as one CSV file.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { callConsole, type ConsoleOutput } from '../api';
import { DayColumns, HBars, type Bar } from '../components/charts';
import { download, toCsv } from '../download';
import { ErrorNote, Field, Loading, TableRegion, useLoad } from '../ui';

type Dashboard = ConsoleOutput<'GetNetworkDashboard'>;

const STATUS_LABELS = [
  ['active', 'Active'],
  ['pending', 'Pending'],
  ['declined', 'Declined'],
  ['suspended', 'Suspended'],
] as const;

/** Every figure as rows of section, item, count: what the CSV file holds. */
function csvOf(d: Dashboard): string {
  const rows: (string | number)[][] = [
    ...STATUS_LABELS.map(([k, label]) => ['Users by status', label, d.users[k]]),
    ...d.registrations.map((r) => ['Registrations per day', r.day, r.count]),
    ...d.devices.map((r) => ['Devices by platform', r.platform, r.count]),
    ...d.invitations.map((r) => [
      'Pending invitations by age',
      r.stale ? `${r.age} (older than a week)` : r.age,
      r.count,
    ]),
    ['Administrators', 'Active administrators', d.administrators],
  ];
  return toCsv(['Section', 'Item', 'Count'], rows);
}

/** A figure: its heading, chart and table, side by side when there is room. */
function Panel(props: { title: string; children: ComponentChildren }) {
  return (
    <section class="panel-figure" aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

function CountTable(props: { caption: string; what: string; rows: Bar[]; note?: string }) {
  return (
    <TableRegion
      caption={props.caption}
      head={
        <>
          <th scope="col">{props.what}</th>
          <th scope="col">Count</th>
        </>
      }
    >
      {props.rows.map((r) => (
        <tr key={r.name} class={r.flagged ? 'flagged' : ''}>
          <th scope="row">
            {r.name}
            {r.flagged && props.note ? <span class="flag"> {props.note}</span> : null}
          </th>
          <td>{r.value}</td>
        </tr>
      ))}
    </TableRegion>
  );
}

export function DashboardPage({ networkId }: { networkId: string }) {
  const [days, setDays] = useState<30 | 90>(30);
  const loaded = useLoad(() => callConsole('GetNetworkDashboard', { networkId }), [networkId]);
  const d = loaded.data;
  const statuses: Bar[] = d ? STATUS_LABELS.map(([k, name]) => ({ name, value: d.users[k] })) : [];
  const devices: Bar[] = d ? d.devices.map((r) => ({ name: r.platform, value: r.count })) : [];
  const invitations: Bar[] = d
    ? d.invitations.map((r) => ({ name: r.age, value: r.count, flagged: r.stale && r.count > 0 }))
    : [];
  const series = d ? d.registrations.slice(-days) : [];
  const registered = series.reduce((n, r) => n + r.count, 0);
  const stale = d ? d.invitations.filter((r) => r.stale).reduce((n, r) => n + r.count, 0) : 0;
  return (
    <section>
      <h1>Dashboard</h1>
      <p class="hint">
        Network {networkId}
        {d ? `, counted at ${new Date(d.asOf).toLocaleString('en')}` : ''}. Suspended users are
        counted in their status too.
      </p>
      <div class="filters">
        <button type="button" onClick={loaded.reload} disabled={loaded.loading}>
          Refresh
        </button>
        <button
          type="button"
          disabled={!d}
          onClick={() => d && download(`dashboard-${networkId}.csv`, csvOf(d), 'text/csv')}
        >
          Export CSV
        </button>
      </div>
      {loaded.loading && !d ? <Loading what="the dashboard" /> : null}
      <ErrorNote error={loaded.error} />
      {d ? (
        <>
          <div class={d.administrators < 2 ? 'warning' : 'counts-line'} role="status">
            <strong>Administrators: {d.administrators}.</strong>{' '}
            {d.administrators < 2
              ? d.administrators === 0
                ? 'This network has no active administrator: make at least two users administrators.'
                : 'Only one active administrator: if that person leaves, nobody administers the network from the Wickr app. Make a second user an administrator.'
              : 'Active, not suspended users with administrator rights.'}
          </div>
          <div class="figures">
            <Panel title="Users by status">
              <HBars label="Users by status" bars={statuses} />
              <CountTable caption="Users by status" what="Status" rows={statuses} />
            </Panel>
            <Panel title="Pending invitations by age">
              <p class="hint">
                {stale > 0
                  ? `${stale} pending invitation${stale === 1 ? ' is' : 's are'} older than a week: reinvite or remove ${stale === 1 ? 'that user' : 'those users'}.`
                  : 'No pending invitation is older than a week.'}
              </p>
              <HBars label="Pending invitations by age" bars={invitations} />
              <CountTable
                caption="Pending invitations by age"
                what="Age"
                rows={invitations}
                note="(older than a week)"
              />
            </Panel>
            <Panel title="Devices by platform">
              {devices.length === 0 ? (
                <p class="empty">No devices registered yet.</p>
              ) : (
                <>
                  <HBars label="Devices by platform" bars={devices} />
                  <CountTable caption="Devices by platform" what="Platform" rows={devices} />
                </>
              )}
            </Panel>
          </div>
          <Panel title="Registrations per day">
            <div class="filters">
              <Field label="Period">
                {(c) => (
                  <select
                    {...c}
                    value={String(days)}
                    onChange={(e) => setDays(e.currentTarget.value === '90' ? 90 : 30)}
                  >
                    <option value="30">Last 30 days</option>
                    <option value="90">Last 90 days</option>
                  </select>
                )}
              </Field>
              <p class="hint">
                {registered} user{registered === 1 ? '' : 's'} registered in the last {days} days
                (UTC days).
              </p>
            </div>
            <figure class="chart">
              <DayColumns label={`Registrations per day, last ${days} days`} days={series} />
            </figure>
            <details>
              <summary>Registrations per day as a table</summary>
              <CountTable
                caption={`Registrations per day, last ${days} days`}
                what="Day"
                rows={series.map((r) => ({ name: r.day, value: r.count }))}
              />
            </details>
          </Panel>
        </>
      ) : null}
    </section>
  );
}
