import { useState } from 'preact/hooks';
import { ApiFailure, call, chunks, clientToken } from '../api';
import { normaliseHeader, parseCsvTable } from '../../../src/client/csv/reader';
import { ErrorNote, Field, useAction } from '../ui';
import type { Group } from './users';

interface RowResult {
  row: number;
  username: string;
  outcome: string;
  ok: boolean;
}

const COLUMNS: Record<string, string[]> = {
  username: ['username', 'user', 'login', 'email', 'emailaddress', 'mail'],
  firstName: ['firstname', 'givenname', 'first'],
  lastName: ['lastname', 'surname', 'familyname', 'last'],
  securityGroupIds: ['securitygroupids', 'securitygroups', 'securitygroup', 'groupids', 'groups'],
};

/** Why one username of a BatchCreateUser call was not invited (undefined: it was). */
export function failureOf(
  username: string,
  r: { successful?: { username?: string }[]; failed?: { reason?: string }[] },
): string | undefined {
  const lc = username.toLowerCase();
  if (r.successful?.some((s) => s.username?.toLowerCase() === lc)) return undefined;
  return (
    r.failed?.find((f) => f.reason?.toLowerCase().includes(lc))?.reason ??
    r.failed?.find((f) => f.reason && !/username /.test(f.reason))?.reason ??
    'not invited'
  );
}

/**
 * Imports people from a CSV file (the same columns as `wickr-admin users import`), 50 per
 * request as the API allows, with a progress bar and each row's outcome.
 */
export function ImportCsv(props: { networkId: string; groups: Group[]; onDone(): void }) {
  const [file, setFile] = useState<File | undefined>();
  const [progress, setProgress] = useState<{ done: number; total: number } | undefined>();
  const [results, setResults] = useState<RowResult[]>([]);
  const { busy, error, setError, run } = useAction();

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
    await run(async () => {
      let table;
      try {
        table = parseCsvTable(text);
      } catch (e) {
        throw new ApiFailure(0, 'ValidationError', String((e as Error).message), [
          { field: 'file', reason: (e as Error).message },
        ]);
      }
      const keys = new Set(table.header.map(normaliseHeader));
      const col = (name: string) => COLUMNS[name]!.find((k) => keys.has(k));
      const c = {
        username: col('username'),
        firstName: col('firstName'),
        lastName: col('lastName'),
        securityGroupIds: col('securityGroupIds'),
      };
      if (c.username === undefined) {
        throw new ApiFailure(0, 'ValidationError', 'no username column', [
          {
            field: 'file',
            reason: `needs a username (or email) column; it has ${table.header.join(', ')}`,
          },
        ]);
      }
      const fallbackGroups = props.groups.slice(0, 1).map((g) => g.id);
      const items = table.rows.map((r) => {
        const get = (k: string | undefined) => (k === undefined ? '' : (r.values.get(k) ?? ''));
        const groups = get(c.securityGroupIds)
          .split(/[;|]/)
          .map((s) => s.trim())
          .filter(Boolean);
        return {
          row: r.row,
          user: {
            username: get(c.username),
            ...(get(c.firstName) ? { firstName: get(c.firstName) } : {}),
            ...(get(c.lastName) ? { lastName: get(c.lastName) } : {}),
            securityGroupIds: groups.length ? groups : fallbackGroups,
          },
        };
      });
      const out: RowResult[] = [];
      setResults([]);
      setProgress({ done: 0, total: items.length });
      for (const part of chunks(items)) {
        try {
          const r = await call<{
            successful?: { username?: string }[];
            failed?: { reason?: string; userId?: string }[];
          }>('BatchCreateUser', {
            networkId: props.networkId,
            clientToken: clientToken(),
            users: part.map((p) => p.user),
          });
          for (const p of part) {
            const why = failureOf(p.user.username, r);
            out.push({
              row: p.row,
              username: p.user.username,
              ok: why === undefined,
              outcome: why ?? 'Invited',
            });
          }
        } catch (e) {
          const f = e instanceof ApiFailure ? e : undefined;
          for (const [i, p] of part.entries()) {
            const reason = f?.reasons.find((x) => x.field.startsWith(`users.${i}.`))?.reason;
            out.push({
              row: p.row,
              username: p.user.username,
              ok: false,
              outcome: reason ?? (reason === undefined && f ? `not sent: ${f.message}` : String(e)),
            });
          }
        }
        setResults([...out]);
        setProgress({ done: out.length, total: items.length });
      }
      props.onDone();
    });
  }

  const invited = results.filter((r) => r.ok).length;
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
        A header row, then one person per row: username (or email), firstName, lastName, and
        optionally securityGroupIds (separated by ; ).
      </p>
      <Field label="CSV file" name="file" error={error}>
        {(id) => (
          <input
            id={id}
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
        )}
      </Field>
      <button type="submit" class="primary" disabled={busy}>
        Start import
      </button>
      <ErrorNote error={error} fields={['file']} />
      {progress ? (
        <div class="progress">
          <label>
            Import progress
            <progress max={progress.total} value={progress.done} />
          </label>
          <span role="status">
            {progress.done} of {progress.total} rows processed, {invited} invited,{' '}
            {progress.done - invited} failed
          </span>
        </div>
      ) : null}
      {results.length > 0 ? (
        <table>
          <caption>Import results</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Username</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
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
          </tbody>
        </table>
      ) : null}
    </form>
  );
}
