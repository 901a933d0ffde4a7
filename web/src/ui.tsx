/** Small building blocks shared by the pages: loading data, errors, fields, tables, dialogs. */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiFailure | undefined;
  loading: boolean;
  reload(): void;
}

/** Loads with `load` whenever `deps` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiFailure; loading: boolean }>({
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: asFailure(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function asFailure(e: unknown): ApiFailure {
  return e instanceof ApiFailure ? e : new ApiFailure(0, 'Error', String(e));
}

/** Runs an action, keeping its error and a busy flag for the form that started it. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | undefined>();
  const run = useCallback(async <T,>(f: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await f();
    } catch (e) {
      setError(asFailure(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export function ErrorNote({ error, fields = [] }: { error?: ApiFailure; fields?: string[] }) {
  if (!error) return null;
  // Reasons that belong to a field are shown beside it; the rest here.
  const others = error.reasons.filter(
    (r) => !fields.some((f) => r.field === f || r.field.endsWith(`.${f}`)),
  );
  const title =
    error.type === 'ForbiddenError'
      ? 'Not allowed'
      : error.type === 'ValidationError'
        ? 'Please check the form'
        : error.type === 'RateLimitError'
          ? 'Too many requests'
          : 'Something went wrong';
  return (
    <div class="error" role="alert">
      <strong>{title}: </strong>
      {error.reasons.length > 0 && error.type === 'ValidationError'
        ? others.length > 0
          ? others.map((r) => `${r.field}: ${r.reason}`).join('; ')
          : 'see the highlighted fields.'
        : error.message}
    </div>
  );
}

let fieldIds = 0;

export function Field(props: {
  label: string;
  error?: ApiFailure | undefined;
  /** The API member this field sets, to show a ValidationError reason next to it. */
  name?: string;
  hint?: string;
  children: (id: string, describedBy: string | undefined) => JSX.Element;
}) {
  const id = useRef(`f${++fieldIds}`).current;
  const reason = props.name ? props.error?.reasonFor(props.name) : undefined;
  const describedBy = reason ? `${id}-err` : props.hint ? `${id}-hint` : undefined;
  return (
    <div class={`field${reason ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && !reason ? (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      ) : null}
      {reason ? (
        <small id={`${id}-err`} class="field-error">
          {reason}
        </small>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export type SortDirection = 'ASC' | 'DESC';

/** A column header that sorts the (server-side) list by its field. */
export function SortHeader(props: {
  label: string;
  field: string;
  sort: { field: string; direction: SortDirection };
  onSort(field: string, direction: SortDirection): void;
}) {
  const active = props.sort.field === props.field;
  const next: SortDirection = active && props.sort.direction === 'ASC' ? 'DESC' : 'ASC';
  return (
    <th
      scope="col"
      aria-sort={active ? (props.sort.direction === 'ASC' ? 'ascending' : 'descending') : 'none'}
    >
      <button type="button" class="sort" onClick={() => props.onSort(props.field, next)}>
        {props.label}
        <span aria-hidden="true">
          {active ? (props.sort.direction === 'ASC' ? ' ▲' : ' ▼') : ''}
        </span>
      </button>
    </th>
  );
}

/** Previous/next over a token-paged list: the tokens of earlier pages are kept to go back. */
export function usePager(resetKey: string) {
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  useEffect(() => setTokens([undefined]), [resetKey]);
  const current = tokens[tokens.length - 1];
  return {
    token: current,
    page: tokens.length,
    next: (t: string) => setTokens((ts) => [...ts, t]),
    previous: () => setTokens((ts) => (ts.length > 1 ? ts.slice(0, -1) : ts)),
    reset: () => setTokens([undefined]),
  };
}

export function PagerNav(props: {
  page: number;
  nextToken: string | undefined;
  onNext(t: string): void;
  onPrevious(): void;
}) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={props.page <= 1} onClick={props.onPrevious}>
        Previous page
      </button>
      <span>Page {props.page}</span>
      <button
        type="button"
        disabled={!props.nextToken}
        onClick={() => props.nextToken && props.onNext(props.nextToken)}
      >
        Next page
      </button>
    </nav>
  );
}

/** A modal confirmation; `typed`, when given, must be typed before confirming. */
export function Confirm(props: {
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  typed?: string;
  busy?: boolean;
  error?: ApiFailure | undefined;
  onConfirm(): void;
  onCancel(): void;
}) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const ready = props.typed === undefined || text === props.typed;
  return (
    <dialog ref={ref} aria-label={props.title} onCancel={props.onCancel}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) props.onConfirm();
        }}
      >
        <h2>{props.title}</h2>
        {props.children}
        {props.typed !== undefined ? (
          <Field label={`Type ${props.typed} to confirm`}>
            {(id) => (
              <input
                id={id}
                value={text}
                autocomplete="off"
                onInput={(e) => setText(e.currentTarget.value)}
              />
            )}
          </Field>
        ) : null}
        <ErrorNote error={props.error} />
        <div class="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={!ready || props.busy}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}
