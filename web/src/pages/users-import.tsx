import { useState } from 'preact/hooks';
import { ApiFailure, call, clientToken } from '../api';
import { parseCsvTable } from '../../../src/client/csv/reader';
import { importRows, type Rejection, type Results } from '../../../src/client/csv/batches';
import {
  createRows,
  findColumns,
  unknownColumns,
  type Failure,
} from '../../../src/client/csv/users';
import type { Group } from './user-status';
import { ErrorNote, Field, TableRegion, useAction } from '../ui';

/** A ValidationError of the console's calls as the shared batching reads it. */
export function rejectionOf(err: unknown): Rejection | undefined {
  return err instanceof ApiFailure && err.type === 'ValidationError'
    ? { reasons: err.reasons, message: err.message }
    : undefined;
}

interface RowResult {
  row: number;
  username: string;
  ok: boolean;
  outcome: string;
}

const failureText = (f: Failure) => f.reason;

/**
 * Imports people from a CSV file with the same module as `wickr-admin users import` (columns,
 * group names, each row's result), 50 per request as the API allows, with a progress bar.
 */
export function ImportCsv(props: {
  networkId: string;
  /** The network's groups; undefined while they load. */
  groups: Group[] | undefined;
  onDone(): void;
}) {
  const [file, setFile] = useState<File | undefined>();
  const [progress, setProgress] = useState<{ done: number; total: number } | undefined>();
  const [results, setResults] = useState<RowResult[]>([]);
  const [ignored, setIgnored] = useState<string[]>([]);
  const { busy, error, setError, run } = useAction();

  const show = (r: Results) =>
    setResults(
      [
        ...r.successes.map((s) => ({
          row: s.row,
          username: s.username ?? '',
          ok: true,
          outcome: 'Invited',
        })),
        ...r.failures.map((f) => ({
          row: f.row,
          username: f.username ?? '',
          ok: false,
          outcome: failureText(f),
        })),
      ].sort((a, b) => a.row - b.row),
    );

  async function importFile() {
    if (!file) {
      setError(
        new ApiFailure(0, 'ValidationError', 'Choose a CSV file first.', [
          { field: 'file', reason: 'choose a CSV file first' },
        ]),
      );
      return;
    }
    const text = await file.text();
    const done: Results = { successes: [], failures: [] };
    setResults([]);
    setProgress(undefined);
    await run(async () => {
      let table;
      try {
        table = parseCsvTable(text);
      } catch (e) {
        throw new ApiFailure(0, 'ValidationError', String((e as Error).message), [
          { field: 'file', reason: (e as Error).message },
        ]);
      }
      const cols = findColumns(table);
      if (!cols.username && !cols.email) {
        throw new ApiFailure(0, 'ValidationError', 'no username column', [
          {
            field: 'file',
            reason: `needs a username (or email) column; its columns are ${table.header.join(', ')}`,
          },
        ]);
      }
      setIgnored(unknownColumns(table, cols));
      const { rows, failures } = createRows(table, cols, props.groups);
      done.failures.push(...failures);
      let settled = failures.length;
      const total = table.rows.length;
      setProgress({ done: settled, total });
      show(done);
      try {
        await importRows(
          rows,
          {
            send: (users) =>
              call('BatchCreateUser', {
                networkId: props.networkId,
                clientToken: clientToken(),
                users,
              }),
            rejectionOf,
            onBatch: (n) => {
              settled += n;
              setProgress({ done: settled, total });
              show(done);
            },
          },
          done,
        );
      } finally {
        show(done);
        props.onDone();
      }
    });
  }

  const invited = results.filter((r) => r.ok).length;
  const failedRows = results.length - invited;
  return (
    <form
      class="card"
      aria-label="Import CSV"
      onSubmit={(e) => {
        e.preventDefault();
        void importFile();
      }}
    >
      <h2>Import users from CSV</h2>
      <p class="hint">
        A header row, then one person per row: username (or email), firstName, lastName,
        securityGroupIds (group names or IDs, separated by ; or |; none: the default group),
        inviteCode, inviteCodeTtl (days), codeValidation. The same columns as{' '}
        <code>wickr-admin users import</code>.
      </p>
      <Field label="CSV file" name="file" error={error}>
        {(c) => (
          <input
            {...c}
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
        )}
      </Field>
      <button type="submit" class="primary" disabled={busy || !props.groups}>
        Start import
      </button>
      <ErrorNote error={error} fields={['file']} />
      {ignored.length ? (
        <p class="hint">
          Ignored column{ignored.length > 1 ? 's' : ''}: {ignored.join(', ')}
        </p>
      ) : null}
      {progress ? (
        <div class="progress">
          <label>
            Import progress
            <progress max={progress.total} value={progress.done} />
          </label>
          <span role="status">
            {progress.done} of {progress.total} rows processed, {invited} invited, {failedRows}{' '}
            failed
          </span>
        </div>
      ) : null}
      {results.length > 0 ? (
        <TableRegion
          caption="Import results"
          head={
            <>
              <th scope="col">Row</th>
              <th scope="col">Username</th>
              <th scope="col">Result</th>
            </>
          }
        >
          {results
            .filter((r) => !r.ok)
            .concat(results.filter((r) => r.ok))
            .slice(0, 500)
            .map((r) => (
              <tr key={r.row} class={r.ok ? '' : 'failed'}>
                <td>{r.row}</td>
                <td>{r.username}</td>
                <td>{r.outcome}</td>
              </tr>
            ))}
        </TableRegion>
      ) : null}
    </form>
  );
}
