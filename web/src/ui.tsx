/** Small building blocks shared by the pages: loading data, outcomes, fields, tables, dialogs. */
import type { ComponentChildren, JSX, RefObject } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
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

/**
 * Runs an action, keeping a busy flag and its outcome for the form that started it: the error,
 * or a notice of what was done. Starting an action clears the last outcome, so a notice of an
 * earlier success never stands beside a later failure.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | undefined>();
  const [notice, setNotice] = useState('');
  const run = useCallback(async <T,>(f: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    setNotice('');
    try {
      return await f();
    } catch (e) {
      setError(asFailure(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, notice, setNotice, run };
}

/** What happened, in a few words, for each kind of refusal the server answers. */
const TITLES: Record<string, string> = {
  ForbiddenError: 'Not allowed',
  ValidationError: 'Please check the form',
  RateLimitError: 'Too many requests; wait a moment and try again',
  ResourceNotFoundError: 'Not found',
  BadRequestError: 'Refused',
  UnauthorizedError: 'Signed out',
  NetworkError: 'No connection',
  InternalServerError: 'The server failed',
};

export function ErrorNote({ error, fields = [] }: { error?: ApiFailure; fields?: string[] }) {
  if (!error) return null;
  // Reasons that belong to a field are shown beside it; the rest here.
  const others = error.reasons.filter((r) => !fields.includes(r.field));
  const title = TITLES[error.type] ?? 'The request failed';
  return (
    <div class="error" role="alert">
      <strong>{title}: </strong>
      {error.reasons.length > 0 && error.type === 'ValidationError'
        ? others.length > 0
          ? others.map((r) => `${r.field}: ${r.reason}`).join('; ')
          : 'see the fields marked in red.'
        : error.message}
    </div>
  );
}

/** The attributes a field's control takes: its id, and the text that describes it. */
export interface Control {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: 'true';
}

let fieldIds = 0;

/** A stable id for the life of a component. */
export function useId(prefix = 'f'): string {
  return useRef(`${prefix}${++fieldIds}`).current;
}

export function Field(props: {
  label: ComponentChildren;
  error?: ApiFailure | undefined;
  /** The input member this field sets, as the server names it in a ValidationError. */
  name?: string;
  hint?: ComponentChildren;
  /** A reason found before sending (e.g. a number that is not one). */
  problem?: string | undefined;
  class?: string;
  children: (control: Control) => JSX.Element;
}) {
  const id = useId();
  const reason = props.problem ?? (props.name ? props.error?.reasonFor(props.name) : undefined);
  const described = [props.hint ? `${id}-hint` : '', reason ? `${id}-err` : '']
    .filter(Boolean)
    .join(' ');
  const control: Control = {
    id,
    ...(described ? { 'aria-describedby': described } : {}),
    ...(reason ? { 'aria-invalid': 'true' as const } : {}),
  };
  return (
    <div class={`field${reason ? ' invalid' : ''}${props.class ? ` ${props.class}` : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children(control)}
      {props.hint ? (
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

/**
 * A table in its own scrolling region: at phone width a wide table scrolls sideways inside it,
 * never the page. The region is focusable so the keyboard can scroll it too.
 */
export function TableRegion(props: {
  caption?: ComponentChildren;
  /** The region's name when the table has no caption. */
  label?: string;
  busy?: boolean;
  class?: string;
  head: ComponentChildren;
  children: ComponentChildren;
}) {
  const id = useId('t');
  return (
    <div
      class="table-scroll"
      role="region"
      tabIndex={0}
      {...(props.caption !== undefined
        ? { 'aria-labelledby': `${id}-cap` }
        : { 'aria-label': props.label ?? 'Table' })}
    >
      <table
        class={props.class}
        {...(props.busy !== undefined ? { 'aria-busy': props.busy } : {})}
        {...(props.caption === undefined && props.label ? { 'aria-label': props.label } : {})}
      >
        {props.caption !== undefined ? <caption id={`${id}-cap`}>{props.caption}</caption> : null}
        <thead>
          <tr>{props.head}</tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/**
 * Focus moves into a panel when it opens and back to what opened it when it closes (or, when
 * that is gone, to the page's main region), so a keyboard user never starts over at the top.
 */
export function useReturnFocus(into?: RefObject<HTMLElement>): void {
  useLayoutEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    into?.current?.focus();
    return () => {
      const back =
        opener && opener.isConnected && !(opener as HTMLButtonElement).disabled
          ? opener
          : document.getElementById('content');
      // After the panel's own elements are gone.
      setTimeout(() => back?.focus(), 0);
    };
  }, []);
}

/** A modal dialog opened at mount; Escape cancels; focus returns to its opener after. */
export function useModal(): RefObject<HTMLDialogElement> {
  const ref = useRef<HTMLDialogElement>(null);
  useReturnFocus();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return ref;
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
  const ref = useModal();
  const ready = props.typed === undefined || text === props.typed;
  return (
    <dialog
      ref={ref}
      aria-label={props.title}
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
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
            {(c) => (
              <input
                {...c}
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

/**
 * Why the key's policy disables some of a page's actions, said once; the disabled controls
 * point at it (`aria-describedby`), since a disabled button cannot show a tooltip to a keyboard.
 */
export function PolicyNote({ id, refusals }: { id: string; refusals: (string | undefined)[] }) {
  const unique = [...new Set(refusals.filter((r): r is string => r !== undefined))];
  if (unique.length === 0) return null;
  return (
    <div id={id} class="policy-note">
      <strong>Disabled for this access key: </strong>
      {unique.join(' ')}
    </div>
  );
}

/** The props of a control the key's policy may disable (undefined `refusal`: allowed). */
export function allowedProps(refusal: string | undefined, noteId: string, busy = false) {
  return refusal
    ? { disabled: true, 'aria-describedby': noteId, title: refusal }
    : { disabled: busy };
}
