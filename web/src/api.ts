/** The console's calls to its server: sign-in, the session, and Admin API operations. */

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

  /** The reason given for one field (e.g. `users.0.username` or `networkName`). */
  reasonFor(field: string): string | undefined {
    return this.reasons.find((r) => r.field === field || r.field.endsWith(`.${field}`))?.reason;
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

/** Runs one Admin API operation as the signed-in key; the input uses the API's member names. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const call = <T = any>(operation: string, input: Record<string, unknown> = {}) =>
  request<T>('POST', `operations/${operation}`, input);

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
}

export interface OutboxPage {
  messages: OutboxMessage[];
  nextToken?: string;
}

/** A fresh idempotency token per user action: a double submit does the work once. */
export const clientToken = () => crypto.randomUUID();

/** Splits a list into the API's batches (at most 50 items per request). */
export function chunks<T>(items: T[], size = 50): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
