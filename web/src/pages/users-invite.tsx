import { useState } from 'preact/hooks';
import { call, clientToken } from '../api';
import { chunks, sendChunk } from '../../../src/client/csv/batches';
import { createOutcome, type CreateRow } from '../../../src/client/csv/users';
import type { Group } from './user-status';
import { ErrorNote, Field, useAction } from '../ui';
import { GroupsField } from '../components/fields';
import { rejectionOf } from './users-import';

interface Person {
  username: string;
  firstName: string;
  lastName: string;
}

/** Why a row was not invited: the member the reason is about, if any. */
interface RowFailure {
  field?: string;
  reason: string;
}

const blank = (): Person => ({ username: '', firstName: '', lastName: '' });

/**
 * One form for several people: a row per person, the security groups shared by all. Rows are
 * sent 50 a request; after a partial failure only the rows not invited stay in the form, each
 * with its reason at the field it names.
 */
export function InviteUsers(props: {
  networkId: string;
  groups: Group[];
  onDone(sent: number, left: number): void;
}) {
  const [rows, setRows] = useState<Person[]>([blank()]);
  const [groupIds, setGroupIds] = useState<string[] | undefined>();
  const [failures, setFailures] = useState<Map<number, RowFailure>>(new Map());
  const { busy, error, run } = useAction();
  const set = (i: number, patch: Partial<Person>) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const defaultGroups = props.groups.filter((g) => g.isDefault).map((g) => g.id);
  const chosen = groupIds ?? defaultGroups;

  const field = (i: number, key: keyof Person, label: string, type = 'text') => {
    const f = failures.get(i);
    return (
      <Field label={label} problem={f?.field === key ? f.reason : undefined}>
        {(c) => (
          <input
            {...c}
            type={type}
            value={rows[i]![key]}
            onInput={(e) => set(i, { [key]: e.currentTarget.value })}
          />
        )}
      </Field>
    );
  };

  return (
    <form
      class="card"
      aria-label="Invite users"
      onSubmit={async (e) => {
        e.preventDefault();
        const people: CreateRow[] = rows.flatMap((p, i) =>
          p.username.trim() === ''
            ? []
            : [
                {
                  row: i,
                  item: {
                    username: p.username.trim(),
                    ...(p.firstName ? { firstName: p.firstName } : {}),
                    ...(p.lastName ? { lastName: p.lastName } : {}),
                    securityGroupIds: chosen,
                  },
                },
              ],
        );
        const invited = new Set<number>();
        const failed = new Map<number, RowFailure>();
        await run(async () => {
          for (const part of chunks(people)) {
            const r = await sendChunk(
              part,
              'users',
              (items) =>
                call('BatchCreateUser', {
                  networkId: props.networkId,
                  clientToken: clientToken(),
                  users: items.map((p) => p.item),
                }),
              rejectionOf,
            );
            for (const x of r.rejected) {
              // One reason about one member reads without the member's name at that field.
              const own =
                x.field && x.reason.startsWith(`${x.field}: `) && !x.reason.includes('; ');
              failed.set(x.row, {
                ...(x.field ? { field: x.field } : {}),
                reason: own ? x.reason.slice(x.field!.length + 2) : x.reason,
              });
            }
            if (r.response) {
              const o = createOutcome(r.sent, r.response);
              for (const s of o.successes) invited.add(s.row);
              for (const f of o.failures) {
                failed.set(f.row, { ...(f.field ? { field: f.field } : {}), reason: f.reason });
              }
            }
          }
        });
        // Keep only the people not invited (rows a failed request never reached included).
        const left = rows
          .map((p, i) => ({ p, i }))
          .filter(({ p, i }) => p.username.trim() !== '' && !invited.has(i));
        setRows(left.length ? left.map((x) => x.p) : [blank()]);
        setFailures(
          new Map(
            left.flatMap(({ i }, k) => (failed.has(i) ? [[k, failed.get(i)!] as const] : [])),
          ),
        );
        if (invited.size > 0 || left.length === 0) props.onDone(invited.size, left.length);
      }}
    >
      <h2>Invite users</h2>
      <p class="hint">Each person gets an e-mail with an invitation code.</p>
      {rows.map((_, i) => {
        const f = failures.get(i);
        return (
          <fieldset key={i} class="row">
            <legend>Person {i + 1}</legend>
            {field(i, 'username', 'Username (e-mail)', 'email')}
            {field(i, 'firstName', 'First name')}
            {field(i, 'lastName', 'Last name')}
            {f && !['username', 'firstName', 'lastName'].includes(f.field ?? '') ? (
              <small class="field-error row-error">{f.reason}</small>
            ) : null}
            {rows.length > 1 ? (
              <button
                type="button"
                class="remove"
                onClick={() => {
                  setRows(rows.filter((__, j) => j !== i));
                  setFailures(new Map());
                }}
              >
                Remove person {i + 1}
              </button>
            ) : null}
          </fieldset>
        );
      })}
      <button type="button" onClick={() => setRows([...rows, blank()])}>
        Add another person
      </button>
      <GroupsField
        label="Security groups"
        name="users[0].securityGroupIds"
        error={error}
        groups={props.groups}
        value={chosen}
        onChange={setGroupIds}
      />
      {failures.size > 0 ? (
        <p class="error" role="alert">
          <strong>Not invited: </strong>
          {failures.size} {failures.size === 1 ? 'person' : 'people'}, each with the reason at the
          row.
        </p>
      ) : null}
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>
        Send invitations
      </button>
    </form>
  );
}
