/**
 * The audit trail: the signed audit read (LookupAuditRecords) called through the console's
 * protocol, so the same policy applies (`wickr:LookupAuditRecords`; a key limited to networks
 * reads only theirs). Filters, pages, a record's detail, and the filtered records as CSV or
 * JSON (every page, up to EXPORT_MAX records).
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import {
  asFailure,
  ErrorNote,
  Field,
  Notice,
  PolicyNote,
  allowedProps,
  useLoad,
  useModal,
  usePager,
  useAction,
} from '../ui';
import { callConsole, type ConsoleInput, type ConsoleOutput } from '../api';
import { PagedTable } from '../components/paged-table';
import { download, toCsv } from '../download';
import { useRefusal } from '../session';

type Filter = Omit<ConsoleInput<'LookupAuditRecords'>, 'limit' | 'nextToken'>;
type AuditRecord = ConsoleOutput<'LookupAuditRecords'>['records'][number];

const PAGE = 50;
const EXPORT_MAX = 10_000;
const SOURCES = [
  ['', 'Any'],
  ['admin-api', 'Admin API (signed)'],
  ['console', 'Console'],
  ['invitee', 'Invitee pages'],
] as const;
const OUTCOMES = [
  ['', 'Any'],
  ['success', 'Success'],
  ['refused', 'Refused'],
  ['error', 'Error'],
] as const;
const COLUMNS = [
  'id',
  'time',
  'operation',
  'outcome',
  'status',
  'source',
  'accessKeyId',
  'accountId',
  'networkId',
  'sourceIp',
  'userAgent',
  'requestId',
  'region',
  'errorName',
  'errorMessage',
  'repeats',
  'parameters',
] as const;

/** A datetime-local value (the browser's time zone) as ISO 8601, or undefined. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);

function filterOf(form: Record<string, string>): Filter {
  const f: Record<string, string | undefined> = {
    operation: form['operation']?.trim() || undefined,
    accessKeyId: form['accessKeyId']?.trim() || undefined,
    networkId: form['networkId']?.trim() || undefined,
    source: form['source'] || undefined,
    outcome: form['outcome'] || undefined,
    since: isoOf(form['since'] ?? ''),
    until: isoOf(form['until'] ?? ''),
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as Filter;
}

export function AuditPage() {
  const refusal = useRefusal()('LookupAuditRecords');
  const [form, setForm] = useState<Record<string, string>>({});
  const [filter, setFilter] = useState<Filter>({});
  const [shown, setShown] = useState<AuditRecord | undefined>();
  const key = JSON.stringify(filter);
  const pager = usePager(key);
  const page = useLoad<ConsoleOutput<'LookupAuditRecords'>>(
    () =>
      refusal
        ? Promise.resolve({ records: [] })
        : callConsole('LookupAuditRecords', {
            ...filter,
            limit: PAGE,
            ...(pager.token ? { nextToken: pager.token } : {}),
          }),
    [key, pager.token, refusal],
  );
  const exporting = useAction();
  const records = page.data?.records ?? [];
  const set = (name: string) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [name]: e.currentTarget.value });

  async function exportAll(kind: 'csv' | 'json') {
    await exporting.run(async () => {
      const all: AuditRecord[] = [];
      let nextToken: string | undefined;
      do {
        const p = await callConsole('LookupAuditRecords', {
          ...filter,
          limit: 1000,
          ...(nextToken ? { nextToken } : {}),
        });
        all.push(...p.records);
        nextToken = p.nextToken;
      } while (nextToken && all.length < EXPORT_MAX);
      const kept = all.slice(0, EXPORT_MAX);
      if (kind === 'json') {
        download('audit-records.json', `${JSON.stringify(kept, null, 2)}\n`, 'application/json');
      } else {
        download(
          'audit-records.csv',
          toCsv(
            COLUMNS,
            kept.map((r) => COLUMNS.map((c) => r[c])),
          ),
          'text/csv',
        );
      }
      exporting.setNotice(
        `Exported ${kept.length} record${kept.length === 1 ? '' : 's'} as ${kind.toUpperCase()}` +
          (nextToken ? ` (the first ${EXPORT_MAX}; narrow the filters for the rest).` : '.'),
      );
    });
  }

  return (
    <section>
      <h1>Audit</h1>
      <p class="hint">
        Every change made through the API, the console and the invitation pages, and every refused
        request, newest first. Successful reads are not recorded.
      </p>
      <PolicyNote id="audit-policy" refusals={[refusal]} />
      <form
        class="filters"
        aria-label="Audit filters"
        onSubmit={(e) => {
          e.preventDefault();
          try {
            setFilter(filterOf(form));
          } catch (err) {
            exporting.setError(asFailure(err));
          }
        }}
      >
        <Field label="Operation" name="operation" error={page.error}>
          {(c) => (
            <input
              {...c}
              value={form['operation'] ?? ''}
              placeholder="e.g. BatchCreateUser"
              onInput={set('operation')}
            />
          )}
        </Field>
        <Field label="Access key" name="accessKeyId" error={page.error}>
          {(c) => <input {...c} value={form['accessKeyId'] ?? ''} onInput={set('accessKeyId')} />}
        </Field>
        <Field label="Network" name="networkId" error={page.error}>
          {(c) => (
            <input
              {...c}
              inputMode="numeric"
              value={form['networkId'] ?? ''}
              placeholder="8 digits"
              onInput={set('networkId')}
            />
          )}
        </Field>
        <Field label="Source">
          {(c) => (
            <select {...c} value={form['source'] ?? ''} onChange={set('source')}>
              {SOURCES.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Outcome">
          {(c) => (
            <select {...c} value={form['outcome'] ?? ''} onChange={set('outcome')}>
              {OUTCOMES.map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From" name="since" error={page.error}>
          {(c) => (
            <input
              {...c}
              type="datetime-local"
              value={form['since'] ?? ''}
              onInput={set('since')}
            />
          )}
        </Field>
        <Field label="Until" name="until" error={page.error}>
          {(c) => (
            <input
              {...c}
              type="datetime-local"
              value={form['until'] ?? ''}
              onInput={set('until')}
            />
          )}
        </Field>
        <button type="submit" {...allowedProps(refusal, 'audit-policy')}>
          Apply filters
        </button>
        <button
          type="button"
          {...allowedProps(refusal, 'audit-policy', exporting.busy)}
          onClick={() => void exportAll('csv')}
        >
          Export CSV
        </button>
        <button
          type="button"
          {...allowedProps(refusal, 'audit-policy', exporting.busy)}
          onClick={() => void exportAll('json')}
        >
          Export JSON
        </button>
      </form>
      <ErrorNote error={exporting.error} />
      {exporting.notice ? <Notice>{exporting.notice}</Notice> : null}
      {refusal ? null : (
        <PagedTable
          what="the audit trail"
          loaded={page}
          count={records.length}
          pager={pager}
          caption={<>Audit records, newest first</>}
          empty={<>No records match these filters.</>}
          head={
            <>
              <th scope="col">Time</th>
              <th scope="col">Operation</th>
              <th scope="col">Outcome</th>
              <th scope="col">Access key</th>
              <th scope="col">Source</th>
              <th scope="col">Address</th>
              <th scope="col">Network</th>
            </>
          }
        >
          {records.map((r) => (
            <tr key={r.id} class={r.outcome === 'success' ? '' : 'failed'}>
              <td>{new Date(r.time).toLocaleString('en')}</td>
              <td>
                <button type="button" class="link" onClick={() => setShown(r)}>
                  {r.operation}
                </button>
              </td>
              <td>
                {r.outcome} ({r.status}){r.repeats > 0 ? `, ${r.repeats} repeats` : ''}
              </td>
              <td class="mono">{r.accessKeyId ?? ''}</td>
              <td>{r.source}</td>
              <td>{r.sourceIp ?? ''}</td>
              <td>{r.networkId ?? ''}</td>
            </tr>
          ))}
        </PagedTable>
      )}
      {shown ? <RecordDetail record={shown} onClose={() => setShown(undefined)} /> : null}
    </section>
  );
}

/** The event as CloudTrail's LookupEvents returns it (JSON text), indented for reading. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function RecordDetail({ record, onClose }: { record: AuditRecord; onClose(): void }) {
  const ref = useModal();
  const facts: [string, unknown][] = COLUMNS.filter((c) => c !== 'parameters').map((c) => [
    c,
    record[c],
  ]);
  return (
    <dialog
      ref={ref}
      class="panel"
      aria-label="Audit record"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <header class="panel-head">
        <h2>
          {record.operation} at {new Date(record.time).toLocaleString('en')}
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <dl class="facts">
        {facts.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v === null || v === undefined || v === '' ? '—' : String(v)}</dd>
          </Fragment>
        ))}
      </dl>
      <h3>Parameters (secrets masked)</h3>
      <pre class="json" tabIndex={0} aria-label="Parameters">
        {JSON.stringify(record.parameters, null, 2)}
      </pre>
      {record.cloudTrailEvent ? (
        <>
          <h3>CloudTrail event</h3>
          <pre class="json" tabIndex={0} aria-label="CloudTrail event">
            {prettyJson(record.cloudTrailEvent)}
          </pre>
        </>
      ) : null}
    </dialog>
  );
}
