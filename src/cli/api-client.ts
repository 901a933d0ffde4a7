/**
 * A small signed Admin API client for the CLI: restJson1 requests over Node's fetch, signed
 * with the project's own SigV4 code (src/auth/sigv4.ts), so the CLI talks to the server
 * exactly as boto3 does and needs no AWS SDK.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { rfc3986, signRequest } from '../auth/sigv4.js';
import type { Contract, InputOf, OutputOf } from '../contract/index.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9425';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_PROFILE = 'wickr-local';

export type Output<N extends keyof Contract> = OutputOf<Contract[N]>;
export type Input<N extends keyof Contract> = InputOf<Contract[N]>;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface ConnectionFlags {
  endpoint?: string;
  region?: string;
  profile?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface Connection {
  endpoint: string;
  region: string;
  credentials: Credentials;
  /** Where the credentials came from, for messages (never the secret). */
  credentialsSource: string;
}

/**
 * Endpoint, region and credentials from flags, then the environment, then AWS credentials
 * files. Credentials: --access-key-id/--secret-access-key; an explicit --profile; the
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair; the profile (AWS_PROFILE or wickr-local) in
 * AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, ./data/credentials (written by the server
 * on first start) or the credentials file beside a WICKR_DATABASE_URL SQLite file.
 */
export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Connection {
  const endpoint = (flags.endpoint ?? env['WICKR_ENDPOINT'] ?? DEFAULT_ENDPOINT).replace(
    /\/+$/,
    '',
  );
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`--endpoint ${endpoint} is not a URL (expected e.g. ${DEFAULT_ENDPOINT})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--endpoint must be an http:// or https:// URL, not ${endpoint}`);
  }
  const region = flags.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? DEFAULT_REGION;

  if (flags.accessKeyId || flags.secretAccessKey) {
    if (!flags.accessKeyId || !flags.secretAccessKey) {
      throw new Error('--access-key-id and --secret-access-key go together');
    }
    return {
      endpoint,
      region,
      credentials: { accessKeyId: flags.accessKeyId, secretAccessKey: flags.secretAccessKey },
      credentialsSource: 'command-line flags',
    };
  }
  const envKey = env['AWS_ACCESS_KEY_ID'];
  const envSecret = env['AWS_SECRET_ACCESS_KEY'];
  if (!flags.profile && envKey && envSecret) {
    return {
      endpoint,
      region,
      credentials: { accessKeyId: envKey, secretAccessKey: envSecret },
      credentialsSource: 'environment (AWS_ACCESS_KEY_ID)',
    };
  }
  const profile = flags.profile ?? env['AWS_PROFILE'] ?? DEFAULT_PROFILE;
  const files = credentialFiles(env, cwd);
  for (const file of files) {
    if (!existsSync(file)) continue;
    const section = readIni(readFileSync(file, 'utf8')).get(profile);
    const id = section?.get('aws_access_key_id');
    const secret = section?.get('aws_secret_access_key');
    if (id && secret) {
      return {
        endpoint,
        region,
        credentials: { accessKeyId: id, secretAccessKey: secret },
        credentialsSource: `profile ${profile} in ${file}`,
      };
    }
  }
  throw new Error(
    `No credentials: pass --access-key-id and --secret-access-key, set AWS_ACCESS_KEY_ID and ` +
      `AWS_SECRET_ACCESS_KEY, or add profile "${profile}" to one of: ${files.join(', ')}`,
  );
}

function credentialFiles(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const files = [
    env['AWS_SHARED_CREDENTIALS_FILE'] ?? join(homedir(), '.aws', 'credentials'),
    resolve(cwd, 'data', 'credentials'),
  ];
  const db = env['WICKR_DATABASE_URL'];
  const m = db ? /^sqlite:(?!:memory:)(.+)$/.exec(db) : null;
  if (m) files.push(resolve(cwd, dirname(m[1]!), 'credentials'));
  return [...new Set(files)];
}

/** Sections of an INI file (AWS credentials format): name → key → value. */
export function readIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (head) {
      current = new Map();
      sections.set(head[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current)
      current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return sections;
}

export interface ApiReason {
  field: string;
  reason: string;
}

/** A modelled error answered by the server (X-Amzn-ErrorType), or an unreadable response. */
export class AdminApiError extends Error {
  constructor(
    readonly errorType: string,
    readonly serverMessage: string,
    readonly status: number,
    readonly reasons: ApiReason[] | undefined,
    readonly requestId: string | undefined,
  ) {
    super(`${errorType}: ${serverMessage}`);
  }
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path with labels already filled in, e.g. `/networks/12345678/users`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  clientToken?: string;
}

export interface ClientOptions {
  /** Retries of RateLimitError (and, for safe requests, network errors and 500s). */
  maxRetries?: number;
  /** Upper bound of a single wait, in seconds, whatever Retry-After says. */
  maxRetryWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  now?: () => number;
}

export class AdminApiClient {
  private readonly base: URL;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;

  constructor(
    readonly connection: Connection,
    options: ClientOptions = {},
  ) {
    this.base = new URL(connection.endpoint);
    this.maxRetries = options.maxRetries ?? 5;
    this.maxWaitMs = (options.maxRetryWaitSeconds ?? 30) * 1000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  async send<T>(req: ApiRequest): Promise<T> {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const query = Object.entries(req.query ?? {})
      .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(String(v))}`)
      .join('&');
    const url = `${basePath}${req.path}${query ? `?${query}` : ''}`;
    const body = req.body === undefined ? '' : JSON.stringify(req.body);
    const extra: Record<string, string> = {};
    if (req.body !== undefined) extra['content-type'] = 'application/json';
    if (req.clientToken) extra['x-client-token'] = req.clientToken;
    // Repeating is harmless for reads and for requests carrying an idempotency token.
    const safe = req.method === 'GET' || req.clientToken !== undefined;

    for (let attempt = 0; ; attempt++) {
      const headers = signRequest({
        method: req.method,
        url,
        host: this.base.host,
        headers: extra,
        body,
        accessKeyId: this.connection.credentials.accessKeyId,
        secretAccessKey: this.connection.credentials.secretAccessKey,
        region: this.connection.region,
        now: this.now(),
      });
      // fetch sets Host itself from the URL; it is the value that was signed.
      delete headers['host'];
      let res: Response;
      try {
        res = await this.fetchFn(`${this.base.origin}${url}`, {
          method: req.method,
          headers,
          ...(req.body !== undefined ? { body } : {}),
        });
      } catch (err) {
        const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
        const code = (cause as { code?: unknown } | undefined)?.code;
        if (safe && code !== 'ECONNREFUSED' && attempt < Math.min(this.maxRetries, 2)) {
          await this.sleep(500 * 2 ** attempt);
          continue;
        }
        throw new Error(
          `Could not reach ${this.connection.endpoint}: ${cause instanceof Error ? cause.message : String(cause)}` +
            (code === 'ECONNREFUSED' ? ' (is the server running? see `wickr-admin serve`)' : ''),
        );
      }
      const text = await res.text();
      if (res.ok) {
        try {
          return (text ? JSON.parse(text) : {}) as T;
        } catch {
          throw new AdminApiError(
            'InvalidResponse',
            `the server answered non-JSON: ${text.slice(0, 200)}`,
            res.status,
            undefined,
            requestIdOf(res),
          );
        }
      }
      const error = toApiError(res, text);
      if (attempt < this.maxRetries) {
        if (error.errorType === 'RateLimitError') {
          await this.sleep(
            Math.min(
              this.maxWaitMs,
              retryAfterMs(res.headers.get('retry-after'), attempt, this.now()),
            ),
          );
          continue;
        }
        if (safe && res.status >= 500 && attempt < 2) {
          await this.sleep(500 * 2 ** attempt);
          continue;
        }
      }
      throw error;
    }
  }

  /** Every item of a paginated list, following nextToken. */
  async *paginate<K extends string, T>(
    req: ApiRequest,
    key: K,
    pageSize = 100,
  ): AsyncGenerator<T, void, undefined> {
    let nextToken: string | undefined;
    do {
      const page = await this.send<Record<K, T[] | undefined> & { nextToken?: string }>({
        ...req,
        query: { ...req.query, maxResults: pageSize, nextToken },
      });
      for (const item of page[key] ?? []) yield item;
      nextToken = page.nextToken || undefined;
    } while (nextToken);
  }

  // ---------- the operations the CLI uses ----------

  async listSecurityGroups(
    networkId: string,
  ): Promise<Output<'ListSecurityGroups'>['securityGroups']> {
    type Group = NonNullable<Output<'ListSecurityGroups'>['securityGroups']>[number];
    const groups: Group[] = [];
    for await (const g of this.paginate<'securityGroups', Group>(
      { method: 'GET', path: `/networks/${enc(networkId)}/security-groups` },
      'securityGroups',
    )) {
      groups.push(g);
    }
    return groups;
  }

  listUsers(
    networkId: string,
    filter: { username?: string; status?: number } = {},
  ): AsyncGenerator<NonNullable<Output<'ListUsers'>['users']>[number], void, undefined> {
    return this.paginate(
      { method: 'GET', path: `/networks/${enc(networkId)}/users`, query: filter },
      'users',
    );
  }

  batchCreateUser(
    networkId: string,
    users: Input<'BatchCreateUser'>['users'],
    clientToken?: string,
  ): Promise<Output<'BatchCreateUser'>> {
    return this.send({
      method: 'POST',
      path: `/networks/${enc(networkId)}/users`,
      body: { users },
      ...(clientToken ? { clientToken } : {}),
    });
  }

  batchToggleUserSuspendStatus(
    networkId: string,
    userIds: string[],
    suspend: boolean,
    clientToken?: string,
  ): Promise<Output<'BatchToggleUserSuspendStatus'>> {
    return this.send({
      method: 'PATCH',
      path: `/networks/${enc(networkId)}/users/toggleSuspend`,
      query: { suspend },
      body: { userIds },
      ...(clientToken ? { clientToken } : {}),
    });
  }

  batchDeleteUser(
    networkId: string,
    userIds: string[],
    clientToken?: string,
  ): Promise<Output<'BatchDeleteUser'>> {
    return this.send({
      method: 'POST',
      path: `/networks/${enc(networkId)}/users/batch-delete`,
      body: { userIds },
      ...(clientToken ? { clientToken } : {}),
    });
  }
}

const enc = (label: string) => rfc3986(label);

function requestIdOf(res: Response): string | undefined {
  return res.headers.get('x-amzn-requestid') ?? undefined;
}

function toApiError(res: Response, text: string): AdminApiError {
  let body: { message?: unknown; Message?: unknown; reasons?: unknown; __type?: unknown } = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object') body = parsed;
  } catch {
    // Not JSON (a proxy's error page): the status and text still say something.
  }
  // The header may carry a namespace or a URI suffix: "ns#Name:http://...".
  const header =
    res.headers.get('x-amzn-errortype') ?? (typeof body.__type === 'string' ? body.__type : '');
  const errorType = header.split(':')[0]!.split('#').pop() || `HTTP${res.status}`;
  const message =
    typeof body.message === 'string'
      ? body.message
      : typeof body.Message === 'string'
        ? body.Message
        : text.slice(0, 200) || res.statusText;
  const reasons = Array.isArray(body.reasons)
    ? body.reasons
        .filter((r): r is { field?: unknown; reason?: unknown } => !!r && typeof r === 'object')
        .map((r) => ({
          field: typeof r.field === 'string' ? r.field : '',
          reason: typeof r.reason === 'string' ? r.reason : '',
        }))
    : undefined;
  return new AdminApiError(errorType, message, res.status, reasons, requestIdOf(res));
}

/** Retry-After as seconds or an HTTP date; without it, exponential backoff from 1 s. */
function retryAfterMs(header: string | null, attempt: number, now: number): number {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return 1000 * 2 ** attempt;
}
