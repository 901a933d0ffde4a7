/**
 * The console's calls to its server, all of them: sign-in, the session, the outbox read, and
 * Admin API operations, typed by the contract (the console imports its types only, so no
 * server code reaches the bundle).
 */
import type { Input, OperationName, Output } from '../../src/client/types';
import type { EveryOperation, InputOf, OutputOf } from '../../src/contract/index';
import type { ExtensionName } from '../../src/contract/extensions/index';

export type { Input, OperationName, Output };

/** The server's own operations (contract/extensions/), which pages call by name beside the API's. */
export type ConsoleOperationName = ExtensionName;
export type ConsoleInput<N extends ConsoleOperationName> = InputOf<EveryOperation[N]>;
export type ConsoleOutput<N extends ConsoleOperationName> = OutputOf<EveryOperation[N]>;

export interface Reason {
  field: string;
  reason: string;
}

/** An error answered by the server, in the Admin API's shape. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly reasons: Reason[] = [],
  ) {
    super(message);
  }

  /** The reason given for one field, by its path as the server writes it (`users[0].username`). */
  reasonFor(path: string): string | undefined {
    return this.reasons.find((r) => r.field === path)?.reason;
  }
}

export interface SessionInfo {
  accessKeyId: string;
  accountId: string;
  region: string;
  actions: string[];
  networks: string[] | null;
  csrfToken: string;
  expiresAt: string;
}

let csrfToken = '';
let onSignedOut: () => void = () => undefined;

export function setSession(s: SessionInfo | null): void {
  csrfToken = s?.csrfToken ?? '';
}

/** Called when the server says the session is gone (expired, revoked, signed out elsewhere). */
export function whenSignedOut(f: () => void): void {
  onSignedOut = f;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/console/api/${path}`, {
      method,
      credentials: 'same-origin',
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiFailure(0, 'NetworkError', 'The server cannot be reached.');
  }
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    throw new ApiFailure(res.status, 'InternalServerError', `Unexpected answer (${res.status}).`);
  }
  if (!res.ok) {
    const failure = new ApiFailure(
      res.status,
      res.headers.get('x-amzn-errortype') ?? 'Error',
      String(parsed['message'] ?? `Request failed (${res.status}).`),
      (parsed['reasons'] as Reason[] | undefined) ?? [],
    );
    if (res.status === 401 && path !== 'session') onSignedOut();
    throw failure;
  }
  return parsed as T;
}

export const signIn = (accessKeyId: string, secretAccessKey: string, region: string) =>
  request<SessionInfo>('POST', 'session', { accessKeyId, secretAccessKey, region });

/** The session this browser holds, or null when it is not signed in. */
export const currentSession = () =>
  request<SessionInfo & { signedIn: boolean }>('GET', 'session').then((s) =>
    s.signedIn ? s : null,
  );

export const signOut = () => request<unknown>('DELETE', 'session');

/** Runs one Admin API operation as the signed-in key, with the contract's input and output. */
export const call = <N extends OperationName>(operation: N, input: Input<N>) =>
  request<Output<N>>('POST', `operations/${operation}`, input);

/** Runs one of the server's own operations (ConsoleOperationName), typed by the contract. */
export const callConsole = <N extends ConsoleOperationName>(operation: N, input: ConsoleInput<N>) =>
  request<ConsoleOutput<N>>('POST', `operations/${operation}`, input);

export const outbox = (networkId: string, query: Record<string, string | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return request<OutboxPage>('GET', `networks/${networkId}/outbox${s ? `?${s}` : ''}`);
};

export interface OutboxMessage {
  id: string;
  userId: string | null;
  kind: string;
  recipient: string;
  subject: string;
  status: string;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
  inviteExpiresAt: string | null;
}

export interface OutboxPage {
  messages: OutboxMessage[];
  nextToken?: string;
}

/** A fresh idempotency token per user action: a double submit does the work once. */
export const clientToken = () => crypto.randomUUID();

/** Every item of a paged list operation (e.g. all security groups of a network). */
export async function listAll<N extends OperationName, T>(
  operation: N,
  input: Input<N>,
  items: (page: Output<N>) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call(operation, {
      ...input,
      maxResults: 100,
      ...(nextToken ? { nextToken } : {}),
    } as Input<N>);
    out.push(...(items(page) ?? []));
    nextToken = (page as { nextToken?: string }).nextToken;
  } while (nextToken);
  return out;
}
