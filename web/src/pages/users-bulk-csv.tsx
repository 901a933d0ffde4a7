import { useState } from 'preact/hooks';
import { ApiFailure, call } from '../api';
import { parseCsvTable } from '../../../src/client/csv/reader';
import { actOnUsers, type Results } from '../../../src/client/csv/batches';
import { findColumns, type Failure } from '../../../src/client/csv/users';
import { resolveTargets, type Directory, type Resolution } from '../../../src/client/csv/resolve';
import { TARGETS_TEMPLATE } from '../../../src/client/csv/export';
import { useRefusal } from '../session';
import {
  allowedProps,
  Confirm,
  ErrorNote,
  Field,
  PolicyNote,
  TableRegion,
  useAction,
  useId,
} from '../ui';
import { rejectionOf } from './users-import';
import { statusText } from './user-status';
import { download } from './users-export';

type Action = 'suspend' | 'unsuspend' | 'delete';
const VERB = { suspend: 'Suspend', unsuspend: 'Unsuspend', delete: 'Delete' } as const;
const DONE = { suspend: 'suspended', unsuspend: 'unsuspended', delete: 'deleted' } as const;
const OPERATION = {
  suspend: 'BatchToggleUserSuspendStatus',
  unsuspend: 'BatchToggleUserSuspendStatus',
  delete: 'BatchDeleteUser',
} as const;

/** The network's users as the shared resolution asks for them, through the session. */
function directory(networkId: string): Directory {
  return {
    async *users(username) {
      let nextToken: string | undefined;
      do {
        const page = await call('ListUsers', {
          networkId,
          maxResults: 100,
          ...(username ? { username } : {}),
          ...(nextToken ? { nextToken } : {}),
        });
        yield* page.users ?? [];
        nextToken = page.nextToken;
      } while (nextToken);
    },
    async user(userId) {
      try {
        return await call('GetUser', { networkId, userId });
      } catch (e) {
        if (e instanceof ApiFailure && e.type === 'ResourceNotFoundError') return undefined;
        throw e;
      }
    },
    count: () => call('GetUsersCount', { networkId }).then((c) => c.total),
  };
}

/**
 * One chunk's idempotency token: this preview's nonce, the action and the chunk's user IDs. A
 * retry that sends the same users again (their answer was lost) repeats the token, so the
 * server answers from its record and acts once; another preview (a later run of the same file)
 * has another nonce.
 */
async function chunkToken(nonce: string, action: Action, networkId: string, ids: string[]) {
  const bytes = new TextEncoder().encode(`${action}|${networkId}|${ids.join(',')}`);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = [...hash.slice(0, 20)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `csv-${nonce}-${hex}`;
}

interface RowResult {
  ok: boolean;
  text: string;
}

/**
 * Suspend, unsuspend or delete the users a CSV file names (a username or userId column, as
 * `wickr-admin users suspend|delete` reads it): a preview resolves each row to a user or says
 * why it cannot, then the run sends the users in chunks of the API's batch limit, each row's
 * result shown. Running again after a failure sends only the rows not done yet.
 */
export function BulkCsv(props: { networkId: string; onDone(): void }) {
  const { networkId } = props;
  const [action, setAction] = useState<Action>('suspend');
  const [file, setFile] = useState<File | undefined>();
  const [preview, setPreview] = useState<(Resolution & { nonce: string }) | undefined>();
  const [results, setResults] = useState<Map<number, RowResult>>(new Map());
  const [confirm, setConfirm] = useState(false);
  const reading = useAction();
  const running = useAction();
  const refusal = useRefusal()(OPERATION[action], networkId);
  const noteId = useId('policy');

  async function previewFile() {
    setPreview(undefined);
    setResults(new Map());
    if (!file) {
      reading.setError(
        new ApiFailure(0, 'ValidationError', 'Choose a CSV file first.', [
          { field: 'bulkFile', reason: 'choose a CSV file first' },
        ]),
      );
      return;
    }
    const text = await file.text();
    await reading.run(async () => {
      let table;
      try {
        table = parseCsvTable(text);
      } catch (e) {
        const reason = (e as Error).message;
        throw new ApiFailure(0, 'ValidationError', reason, [{ field: 'bulkFile', reason }]);
      }
      const cols = findColumns(table);
      if (!cols.userId && !cols.username && !cols.email) {
        const reason = `needs a username or userId column; its columns are ${table.header.join(', ')}`;
        throw new ApiFailure(0, 'ValidationError', reason, [{ field: 'bulkFile', reason }]);
      }
      const r = await resolveTargets(table, cols, directory(networkId), networkId);
      const nonce = [...crypto.getRandomValues(new Uint8Array(6))]
        .map((b) => b.toString(16).padStart(2, '0'))
        .join('');
      setPreview({ ...r, nonce });
    });
  }

  async function runAction() {
    if (!preview) return;
    const todo = preview.entries.filter((e) => !results.get(e.row)?.ok);
    const into: Results = { successes: [], failures: [] };
    const show = () =>
      setResults((prev) => {
        const next = new Map(prev);
        for (const s of into.successes) next.set(s.row, { ok: true, text: DONE[action] });
        for (const f of into.failures) next.set(f.row, { ok: false, text: f.reason });
        return next;
      });
    await running.run(async () => {
      try {
        await actOnUsers(
          todo,
          DONE[action],
          {
            send: async (userIds) => {
              const clientToken = await chunkToken(preview.nonce, action, networkId, userIds);
              return action === 'delete'
                ? call('BatchDeleteUser', { networkId, userIds, clientToken })
                : call('BatchToggleUserSuspendStatus', {
                    networkId,
                    userIds,
                    suspend: action === 'suspend',
                    clientToken,
                  });
            },
            rejectionOf,
            onBatch: show,
          },
          into,
        );
      } finally {
        show();
        props.onDone();
      }
    });
  }

  const entries = preview?.entries ?? [];
  const done = entries.filter((e) => results.get(e.row)?.ok).length;
  const left = entries.length - done;
  const failedRows = [...results.values()].filter((r) => !r.ok).length;
  const rowsOf = (p: Resolution) =>
    [
      ...p.entries.map((e) => ({
        row: e.row,
        named: e.username || e.userId,
        user: `${e.user.username ?? ''} (ID ${e.userId}, ${statusText(e.user, false)})`,
        result: results.get(e.row) ?? { ok: true, text: `to be ${DONE[action]}` },
      })),
      ...p.failures.map((f: Failure) => ({
        row: f.row,
        named: f.username ?? f.userId ?? '',
        user: '',
        result: { ok: false, text: f.reason },
      })),
      ...p.skipped.map((s) => ({
        row: s.row,
        named: s.username ?? s.userId ?? '',
        user: '',
        result: { ok: false, text: `skipped: ${s.reason}` },
      })),
    ].sort((a, b) => a.row - b.row);

  return (
    <form
      class="card"
      aria-label="Bulk actions from CSV"
      onSubmit={(e) => {
        e.preventDefault();
        void previewFile();
      }}
    >
      <h2>Suspend, unsuspend or delete users from CSV</h2>
      <p class="hint">
        A header row, then one user per row in a <code>username</code> (or <code>email</code>) or{' '}
        <code>userId</code> column: the same file as <code>wickr-admin users suspend</code> and{' '}
        <code>delete</code> read (an export from this page works too).{' '}
        <button
          type="button"
          class="link"
          onClick={() => download(new Blob([TARGETS_TEMPLATE]), 'users-template.csv')}
        >
          Download a CSV template
        </button>
      </p>
      <PolicyNote id={noteId} refusals={[refusal]} />
      <Field label="Action">
        {(c) => (
          <select
            {...c}
            value={action}
            onChange={(e) => {
              setAction(e.currentTarget.value as Action);
              setPreview(undefined);
              setResults(new Map());
            }}
          >
            <option value="suspend">Suspend</option>
            <option value="unsuspend">Unsuspend</option>
            <option value="delete">Delete</option>
          </select>
        )}
      </Field>
      <Field label="CSV file of users" name="bulkFile" error={reading.error}>
        {(c) => (
          <input
            {...c}
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0]);
              setPreview(undefined);
              setResults(new Map());
            }}
          />
        )}
      </Field>
      <div class="actions">
        <button type="submit" disabled={reading.busy || running.busy}>
          Preview
        </button>
        {preview ? (
          <button
            type="button"
            class={action === 'delete' ? 'danger' : 'primary'}
            {...allowedProps(refusal, noteId, running.busy || left === 0)}
            onClick={() => (action === 'delete' ? setConfirm(true) : void runAction())}
          >
            {`${VERB[action]} ${left} user${left === 1 ? '' : 's'}`}
          </button>
        ) : null}
      </div>
      <ErrorNote error={reading.error} fields={['bulkFile']} />
      {reading.busy ? <p role="status">Reading the file and finding its users…</p> : null}
      {preview ? (
        <p role="status">
          {preview.entries.length} user{preview.entries.length === 1 ? '' : 's'} found,{' '}
          {preview.failures.length + preview.skipped.length} row
          {preview.failures.length + preview.skipped.length === 1 ? '' : 's'} with an error; {done}{' '}
          {DONE[action]}
          {failedRows ? `, ${failedRows} failed` : ''}
          {running.error && left > 0
            ? `. Stopped: ${left} not done; run ${VERB[action]} again to send only those.`
            : '.'}
        </p>
      ) : null}
      {!confirm ? <ErrorNote error={running.error} /> : null}
      {preview ? (
        <TableRegion
          caption="Rows of the file"
          head={
            <>
              <th scope="col">Row</th>
              <th scope="col">In the file</th>
              <th scope="col">User</th>
              <th scope="col">Result</th>
            </>
          }
        >
          {rowsOf(preview)
            .slice(0, 1000)
            .map((r) => (
              <tr key={r.row} class={r.result.ok ? '' : 'failed'}>
                <td>{r.row}</td>
                <td>{r.named}</td>
                <td>{r.user}</td>
                <td>{r.result.text}</td>
              </tr>
            ))}
        </TableRegion>
      ) : null}
      {confirm ? (
        <Confirm
          title={`Delete ${left} user${left === 1 ? '' : 's'}?`}
          confirmLabel="Delete users"
          busy={running.busy}
          error={running.error}
          onCancel={() => setConfirm(false)}
          onConfirm={async () => {
            await runAction();
            setConfirm(false);
          }}
        >
          <p>They lose access at once; this cannot be undone.</p>
        </Confirm>
      ) : null}
    </form>
  );
}
