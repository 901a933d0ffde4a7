import { useState } from 'preact/hooks';
import { ApiFailure, call, chunks, clientToken } from '../api';
import { ErrorNote, Field, useAction } from '../ui';
import type { Group } from './users';
import { failureOf } from './users-import';

interface Row {
  username: string;
  firstName: string;
  lastName: string;
}

const blank = (): Row => ({ username: '', firstName: '', lastName: '' });

/** One form for several people: a row per person, the security groups shared by all. */
export function InviteUsers(props: {
  networkId: string;
  groups: Group[];
  onDone(n: number): void;
}) {
  const [rows, setRows] = useState<Row[]>([blank()]);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [failures, setFailures] = useState<Map<number, string>>(new Map());
  const { busy, error, run } = useAction();
  const set = (i: number, patch: Partial<Row>) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const groupsOrDefault = groupIds.length ? groupIds : props.groups.slice(0, 1).map((g) => g.id);

  return (
    <form
      class="card"
      aria-label="Invite users"
      onSubmit={async (e) => {
        e.preventDefault();
        const people = rows.filter((r) => r.username.trim() !== '');
        const result = await run(async () => {
          const failed = new Map<number, string>();
          let sent = 0;
          let offset = 0;
          for (const part of chunks(people)) {
            const r = await call<{
              successful?: { username?: string }[];
              failed?: { field?: string; reason?: string; userId?: string }[];
            }>('BatchCreateUser', {
              networkId: props.networkId,
              clientToken: clientToken(),
              users: part.map((p) => ({
                username: p.username.trim(),
                ...(p.firstName ? { firstName: p.firstName } : {}),
                ...(p.lastName ? { lastName: p.lastName } : {}),
                securityGroupIds: groupsOrDefault,
              })),
            }).catch((err: unknown) => {
              // Reasons name the item (users.3.username): put them back on their rows.
              if (err instanceof ApiFailure && err.reasons.length > 0) {
                for (const reason of err.reasons) {
                  const m = /^users\.(\d+)\./.exec(reason.field);
                  if (m) failed.set(offset + Number(m[1]), reason.reason);
                }
                if (failed.size > 0) return { successful: [], failed: [] };
              }
              throw err;
            });
            sent += r.successful?.length ?? 0;
            for (const [i, p] of part.entries()) {
              const why = r.failed?.length ? failureOf(p.username.trim(), r) : undefined;
              if (why) failed.set(offset + i, why);
            }
            offset += part.length;
          }
          return { sent, failed };
        });
        if (result) {
          setFailures(result.failed);
          if (result.failed.size === 0) setRows([blank()]);
          props.onDone(result.sent);
        }
      }}
    >
      <h2>Invite users</h2>
      <p class="hint">Each person gets an e-mail with an invitation code.</p>
      {rows.map((r, i) => (
        <fieldset key={i} class="row">
          <legend>Person {i + 1}</legend>
          <Field label="Username (e-mail)" name={`users.${i}.username`} error={error}>
            {(id) => (
              <input
                id={id}
                type="email"
                value={r.username}
                onInput={(e) => set(i, { username: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field label="First name" name={`users.${i}.firstName`} error={error}>
            {(id) => (
              <input
                id={id}
                value={r.firstName}
                onInput={(e) => set(i, { firstName: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field label="Last name" name={`users.${i}.lastName`} error={error}>
            {(id) => (
              <input
                id={id}
                value={r.lastName}
                onInput={(e) => set(i, { lastName: e.currentTarget.value })}
              />
            )}
          </Field>
          {failures.get(i) ? (
            <small class="field-error" role="alert">
              {failures.get(i)}
            </small>
          ) : null}
        </fieldset>
      ))}
      <button type="button" onClick={() => setRows([...rows, blank()])}>
        Add another person
      </button>
      <Field label="Security groups" name="securityGroupIds" error={error}>
        {(id) => (
          <select
            id={id}
            multiple
            onChange={(e) => setGroupIds([...e.currentTarget.selectedOptions].map((o) => o.value))}
          >
            {props.groups.map((g) => (
              <option key={g.id} value={g.id} selected={groupsOrDefault.includes(g.id)}>
                {g.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorNote error={error} fields={['username', 'firstName', 'lastName', 'securityGroupIds']} />
      <button type="submit" class="primary" disabled={busy}>
        Send invitations
      </button>
    </form>
  );
}
