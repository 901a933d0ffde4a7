/**
 * A security group's settings as a form in the AWS console's sections, built from the table
 * beside the contract (../security-group-settings.ts): labels, units and help; enumerations as
 * choices; lists edited item by item; every reason, the server's or the form's own, at its
 * field. Only what changed is sent (the server merges a change into the stored settings).
 */
import { useRef, useState } from 'preact/hooks';
import { ApiFailure, call, type Output, type Reason } from '../api';
import { useRefusal } from '../session';
import {
  allowedProps,
  ErrorNote,
  Field,
  PolicyNote,
  useAction,
  useId,
  useReturnFocus,
  type Control,
} from '../ui';
import { CheckField, TextField } from '../components/fields';
import {
  SECTIONS,
  SETTINGS,
  inWords,
  type ListSpec,
  type NumberSpec,
  type RecordListSpec,
  type Spec,
} from '../security-group-settings';

type Group = Output<'GetSecurityGroup'>['securityGroup'];

/** What the form edits: numbers as typed, lists as rows. */
type Draft = { [member: string]: DraftValue };
type DraftValue = boolean | string | string[] | Record<string, string>[] | Draft | undefined;

const ROOT = 'securityGroupSettings';
const TABLE = SETTINGS as unknown as Record<string, Spec & { section: string }>;

function toDraft(spec: Spec, value: unknown): DraftValue {
  switch (spec.kind) {
    case 'bool':
      return value as boolean | undefined;
    case 'number':
      return value === undefined || value === null ? '' : String(value);
    case 'list':
      return [...((value as string[] | undefined) ?? [])];
    case 'records':
      return ((value as Record<string, unknown>[] | undefined) ?? []).map((r) =>
        Object.fromEntries(Object.keys(spec.members).map((k) => [k, String(r[k] ?? '')])),
      );
    case 'group': {
      const v = (value as Record<string, unknown> | undefined) ?? {};
      const members = spec.members as Record<string, Spec>;
      return Object.fromEntries(Object.entries(members).map(([k, s]) => [k, toDraft(s, v[k])]));
    }
  }
}

interface Built {
  change: Record<string, unknown>;
  /** Reasons found before sending, by the server's field paths. */
  problems: Reason[];
  /** Per list path: the displayed row of each item sent (blank rows are not sent). */
  rows: Map<string, number[]>;
}

function fromDraft(spec: Spec, draft: DraftValue, path: string, out: Built): unknown {
  switch (spec.kind) {
    case 'bool':
      return draft;
    case 'number': {
      const text = String(draft ?? '').trim();
      if (text === '') return undefined;
      if (!/^-?\d+$/.test(text)) {
        out.problems.push({ field: path, reason: 'must be a whole number' });
        return undefined;
      }
      return Number(text);
    }
    case 'list': {
      const rows: number[] = [];
      const items: string[] = [];
      (draft as string[]).forEach((v, i) => {
        if (v.trim() === '') return;
        rows.push(i);
        items.push(v.trim());
      });
      out.rows.set(path, rows);
      return items;
    }
    case 'records': {
      const rows: number[] = [];
      const items: Record<string, string>[] = [];
      (draft as Record<string, string>[]).forEach((r, i) => {
        if (Object.values(r).every((v) => v.trim() === '')) return;
        rows.push(i);
        items.push(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.trim()])));
      });
      out.rows.set(path, rows);
      return items;
    }
    case 'group': {
      const members = spec.members as Record<string, Spec>;
      const d = draft as Draft;
      const v: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(members)) {
        const x = fromDraft(s, d[k], `${path}.${k}`, out);
        if (x !== undefined) v[k] = x;
      }
      return v;
    }
  }
}

/** The settings that differ from what the group has, as UpdateSecurityGroup takes them. */
function buildChange(initial: Draft, draft: Draft): Built {
  const out: Built = { change: {}, problems: [], rows: new Map() };
  for (const [key, spec] of Object.entries(TABLE)) {
    if (JSON.stringify(initial[key]) === JSON.stringify(draft[key])) continue;
    const v = fromDraft(spec, draft[key], `${ROOT}.${key}`, out);
    if (v !== undefined) out.change[key] = v;
  }
  return out;
}

/** A reason about the n-th item sent names the row it came from. */
function toRows(reasons: Reason[], rows: Map<string, number[]>): Reason[] {
  return reasons.map((r) => {
    const m = /^(.+?)\[(\d+)\](.*)$/.exec(r.field);
    const shown = m ? rows.get(m[1]!)?.[Number(m[2])] : undefined;
    return shown === undefined ? r : { ...r, field: `${m![1]}[${shown}]${m![3]}` };
  });
}

export function EditGroup(props: { networkId: string; group: Group; onDone(): void }) {
  const [name, setName] = useState(props.group.name);
  const initial = useRef<Draft>(
    Object.fromEntries(
      Object.entries(TABLE).map(([k, spec]) => [
        k,
        toDraft(spec, (props.group.securityGroupSettings as Record<string, unknown>)[k]),
      ]),
    ),
  ).current;
  const [draft, setDraft] = useState<Draft>(() => structuredClone(initial));
  const { busy, error, setError, run } = useAction();
  const refusal = useRefusal()('UpdateSecurityGroup', props.networkId);
  const noteId = useId('policy');
  const heading = useRef<HTMLHeadingElement>(null);
  useReturnFocus(heading);
  const set = (key: string, value: DraftValue) => setDraft((d) => ({ ...d, [key]: value }));

  const control = (
    spec: Spec,
    path: string,
    value: DraftValue,
    onChange: (v: DraftValue) => void,
  ) => {
    const ctx = { spec, path, value, onChange, error };
    switch (spec.kind) {
      case 'bool':
        return (
          <CheckField
            key={path}
            label={spec.label}
            hint={spec.help}
            name={path}
            error={error}
            checked={value === true}
            onChange={onChange}
          />
        );
      case 'number':
        return <NumberControl key={path} {...ctx} spec={spec} />;
      case 'list':
        return <ListControl key={path} {...ctx} spec={spec} />;
      case 'records':
        return <RecordsControl key={path} {...ctx} spec={spec} />;
      case 'group': {
        const d = (value as Draft | undefined) ?? {};
        return (
          <fieldset key={path} class="group">
            <legend>{spec.label}</legend>
            <p class="hint">{spec.help}</p>
            {Object.entries(spec.members as Record<string, Spec>).map(([k, s]) =>
              control(s, `${path}.${k}`, d[k], (v) => onChange({ ...d, [k]: v })),
            )}
          </fieldset>
        );
      }
    }
  };

  return (
    <form
      class="card settings"
      aria-label={`Edit ${props.group.name}`}
      onSubmit={async (e) => {
        e.preventDefault();
        const built = buildChange(initial, draft);
        if (built.problems.length) {
          setError(
            new ApiFailure(0, 'ValidationError', 'Some values are not valid.', built.problems),
          );
          return;
        }
        const ok = await run(() =>
          call('UpdateSecurityGroup', {
            networkId: props.networkId,
            groupId: props.group.id,
            ...(name !== props.group.name ? { name } : {}),
            ...(Object.keys(built.change).length ? { securityGroupSettings: built.change } : {}),
          }).catch((err: unknown) => {
            if (err instanceof ApiFailure && err.reasons.length) {
              throw new ApiFailure(
                err.status,
                err.type,
                err.message,
                toRows(err.reasons, built.rows),
              );
            }
            throw err;
          }),
        );
        if (ok) props.onDone();
      }}
    >
      <h2 ref={heading} tabIndex={-1}>
        Edit {props.group.name}
      </h2>
      <PolicyNote id={noteId} refusals={[refusal]} />
      <fieldset class="plain" disabled={refusal !== undefined}>
        <legend class="sr-only">Settings of {props.group.name}</legend>
        <TextField label="Group name" name="name" error={error} value={name} onInput={setName} />
        {SECTIONS.map((section) => (
          <section key={section} class="settings-section" aria-labelledby={`${noteId}-${section}`}>
            <h3 id={`${noteId}-${section}`}>{section}</h3>
            <div class="grid">
              {Object.entries(TABLE)
                .filter(([, spec]) => spec.section === section)
                .map(([key, spec]) =>
                  control(spec, `${ROOT}.${key}`, draft[key], (v) => set(key, v)),
                )}
            </div>
          </section>
        ))}
      </fieldset>
      <ErrorNote
        error={error}
        fields={(error?.reasons ?? [])
          .map((r) => r.field)
          .filter((f) => f === 'name' || shownAtField(f))}
      />
      <div class="actions">
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
        <button type="submit" class="primary" {...allowedProps(refusal, noteId, busy)}>
          Save group
        </button>
      </div>
    </form>
  );
}

/** Whether the form shows a reason about `path` at a field (a member of the table, or an item). */
function shownAtField(path: string): boolean {
  const m = /^securityGroupSettings\.(\w+)(.*)$/.exec(path);
  const spec = m ? TABLE[m[1]!] : undefined;
  if (!spec) return false;
  const rest = m![2]!;
  if (rest === '') return true;
  if (spec.kind === 'group') return /^\.\w+$/.test(rest) && rest.slice(1) in spec.members;
  if (spec.kind === 'list') return /^\[\d+\]$/.test(rest);
  if (spec.kind === 'records') return /^\[\d+\](\.\w+)?$/.test(rest);
  return false;
}

interface ControlProps<S> {
  spec: S;
  path: string;
  value: DraftValue;
  onChange(v: DraftValue): void;
  error: ApiFailure | undefined;
}

function NumberControl({ spec, path, value, onChange, error }: ControlProps<NumberSpec>) {
  const text = String(value ?? '');
  if (spec.choices) {
    const known = spec.choices.some((c) => String(c.value) === text);
    return (
      <Field label={spec.label} hint={spec.help} name={path} error={error}>
        {(c: Control) => (
          <select {...c} value={text} onChange={(e) => onChange(e.currentTarget.value)}>
            {text === '' ? <option value="">Not set</option> : null}
            {!known && text !== '' ? <option value={text}>{text} (set elsewhere)</option> : null}
            {spec.choices!.map((ch) => (
              <option key={ch.value} value={String(ch.value)}>
                {ch.label}
              </option>
            ))}
          </select>
        )}
      </Field>
    );
  }
  const n = Number(text);
  // A duration also in words: 31536000 seconds is easier read as 365 days.
  const words =
    (spec.unit === 'seconds' || spec.unit === 'minutes') && /^\d+$/.test(text) && n > 0
      ? ` Now ${inWords(n, spec.unit)}.`
      : '';
  return (
    <Field
      label={
        <>
          {spec.label}
          {/* The unit beside the field is for the eye; this one for screen readers. */}
          {spec.unit ? <span class="sr-only"> ({spec.unit})</span> : null}
        </>
      }
      hint={`${spec.help}${words}`}
      name={path}
      error={error}
    >
      {(c: Control) => (
        <span class="with-unit">
          <input
            {...c}
            type="number"
            inputMode="numeric"
            step={1}
            min={spec.min}
            max={spec.max}
            value={text}
            onInput={(e) => onChange(e.currentTarget.value)}
          />
          {spec.unit ? <span aria-hidden="true">{spec.unit}</span> : null}
        </span>
      )}
    </Field>
  );
}

function ListControl({ spec, path, value, onChange, error }: ControlProps<ListSpec>) {
  const items = (value as string[] | undefined) ?? [];
  const id = useId('l');
  const reason = error?.reasonFor(path);
  return (
    <fieldset
      class={`list${reason ? ' invalid' : ''}`}
      aria-describedby={`${id}-help${reason ? ` ${id}-err` : ''}`}
    >
      <legend>{spec.label}</legend>
      <p id={`${id}-help`} class="hint">
        {spec.help}
      </p>
      {items.length === 0 ? <p class="hint">None.</p> : null}
      {items.map((item, i) => (
        <div key={i} class="list-row">
          <Field label={`${spec.item} ${i + 1}`} name={`${path}[${i}]`} error={error}>
            {(c: Control) => (
              <input
                {...c}
                value={item}
                onInput={(e) =>
                  onChange(items.map((x, j) => (j === i ? e.currentTarget.value : x)))
                }
              />
            )}
          </Field>
          <button type="button" onClick={() => onChange(items.filter((_, j) => j !== i))}>
            Remove {spec.item} {i + 1}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...items, ''])}>
        Add {spec.item}
      </button>
      {reason ? (
        <small id={`${id}-err`} class="field-error">
          {reason}
        </small>
      ) : null}
    </fieldset>
  );
}

function RecordsControl({
  spec,
  path,
  value,
  onChange,
  error,
}: ControlProps<RecordListSpec<object>>) {
  const rows = (value as Record<string, string>[] | undefined) ?? [];
  const members = spec.members as Record<string, { label: string }>;
  const id = useId('r');
  const reason = error?.reasonFor(path);
  const blank = () => Object.fromEntries(Object.keys(members).map((k) => [k, '']));
  return (
    <fieldset
      class={`list${reason ? ' invalid' : ''}`}
      aria-describedby={`${id}-help${reason ? ` ${id}-err` : ''}`}
    >
      <legend>{spec.label}</legend>
      <p id={`${id}-help`} class="hint">
        {spec.help}
      </p>
      {rows.length === 0 ? <p class="hint">None.</p> : null}
      {rows.map((row, i) => (
        <fieldset key={i} class="list-row">
          <legend>
            {spec.item} {i + 1}
          </legend>
          {Object.entries(members).map(([k, m]) => (
            <Field key={k} label={m.label} name={`${path}[${i}].${k}`} error={error}>
              {(c: Control) => (
                <input
                  {...c}
                  value={row[k] ?? ''}
                  onInput={(e) =>
                    onChange(
                      rows.map((r, j) => (j === i ? { ...r, [k]: e.currentTarget.value } : r)),
                    )
                  }
                />
              )}
            </Field>
          ))}
          <FieldReason error={error} path={`${path}[${i}]`} />
          <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove {spec.item} {i + 1}
          </button>
        </fieldset>
      ))}
      <button type="button" onClick={() => onChange([...rows, blank()])}>
        Add {spec.item}
      </button>
      {reason ? (
        <small id={`${id}-err`} class="field-error">
          {reason}
        </small>
      ) : null}
    </fieldset>
  );
}

/** A reason about a whole row (e.g. a missing member), shown in the row. */
function FieldReason({ error, path }: { error: ApiFailure | undefined; path: string }) {
  const reason = error?.reasonFor(path);
  return reason ? <small class="field-error">{reason}</small> : null;
}
