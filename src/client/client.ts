/**
 * The generic signed Admin API client: `call(operation, input)` for every operation of the
 * contract, the HTTP binding derived from it (./binding.ts) and each request signed with the
 * server's own SigV4 code (./signer.ts). The CLI, the tests' helpers and the benchmark use it;
 * so can any embedding program (it is exported from the package entry).
 */
import { contract, type OperationName } from '../contract/index.js';
import { serializeRequest, type HttpRequest } from './binding.js';
import { AdminApiError, ConnectionError, requestIdOf, toApiError } from './errors.js';
import { Signer, type SigningCredentials } from './signer.js';
import type { Input, Output } from './types.js';

export type { Input, Output };

export interface ClientOptions {
  /** e.g. `http://127.0.0.1:9425`; a path after the host is kept as a prefix. */
  endpoint: string;
  region: string;
  credentials: SigningCredentials;
  /** Retries of RateLimitError (and, for safe requests, dropped connections and 500s). */
  maxRetries?: number;
  /** Upper bound of a single wait, in seconds, whatever Retry-After says. */
  maxRetryWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** The signing clock (epoch ms). */
  now?: () => number;
}

/** A request signed ahead of sending, as a load generator replays it. */
export interface SignedHttpRequest {
  method: string;
  /** Path and query, including the endpoint's base path. */
  path: string;
  /** Every header to send, lowercased, `host` included. */
  headers: Record<string, string>;
  body: Buffer;
}

/** The list members of an output that hold a page's items (every array member). */
type ItemsKey<N extends OperationName> = {
  [K in keyof Output<N>]-?: NonNullable<Output<N>[K]> extends readonly unknown[] ? K : never;
}[keyof Output<N>];
type ItemOf<N extends OperationName, K extends ItemsKey<N>> =
  NonNullable<Output<N>[K]> extends readonly (infer T)[] ? T : never;

export class AdminClient {
  private readonly base: URL;
  private readonly basePath: string;
  private readonly signer: Signer;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;

  constructor(readonly options: ClientOptions) {
    this.base = new URL(options.endpoint);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.signer = new Signer(options.credentials, options.region);
    this.maxRetries = options.maxRetries ?? 5;
    this.maxWaitMs = (options.maxRetryWaitSeconds ?? 30) * 1000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  get endpoint(): string {
    return this.options.endpoint;
  }

  /** The HTTP request the operation binds to, unsigned. */
  request<N extends OperationName>(operation: N, input: Input<N>): HttpRequest {
    const op = contract[operation];
    const req = serializeRequest(op, input);
    return { ...req, path: `${this.basePath}${req.path}` };
  }

  /** The request signed now (or at `now`), ready to send as it is: headers include `host`. */
  sign<N extends OperationName>(
    operation: N,
    input: Input<N>,
    now: number = this.now(),
  ): SignedHttpRequest {
    const req = this.request(operation, input);
    return {
      method: req.method,
      path: req.path,
      headers: this.signedHeaders(req, now),
      body: Buffer.from(req.body),
    };
  }

  private signedHeaders(req: HttpRequest, now: number): Record<string, string> {
    return this.signer.sign({
      method: req.method,
      url: req.path,
      host: this.base.host,
      headers: req.headers,
      body: req.body,
      now,
    });
  }

  /**
   * Calls the operation and resolves to its output; a modelled error rejects with
   * AdminApiError, an unreachable server with ConnectionError. RateLimitError is retried after
   * its Retry-After; reads and requests carrying an idempotency token are also retried after a
   * dropped connection or a 500, which repeating cannot make happen twice.
   */
  async call<N extends OperationName>(operation: N, input: Input<N>): Promise<Output<N>> {
    const req = this.request(operation, input);
    const safe = req.method === 'GET' || req.headers['x-client-token'] !== undefined;
    for (let attempt = 0; ; attempt++) {
      const headers = this.signedHeaders(req, this.now());
      // fetch sets Host itself from the URL; it is the value that was signed.
      delete headers['host'];
      let res: Response;
      try {
        res = await this.fetchFn(`${this.base.origin}${req.path}`, {
          method: req.method,
          headers,
          ...(req.body ? { body: req.body } : {}),
        });
      } catch (err) {
        const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
        const code = (cause as { code?: unknown } | undefined)?.code;
        if (safe && code !== 'ECONNREFUSED' && attempt < Math.min(this.maxRetries, 2)) {
          await this.sleep(500 * 2 ** attempt);
          continue;
        }
        throw new ConnectionError(
          `cannot connect to the server at ${this.base.host}: ${cause instanceof Error ? cause.message : String(cause)}` +
            (code === 'ECONNREFUSED' ? ' (is the server running? see `wickr-admin serve`)' : ''),
          typeof code === 'string' ? code : undefined,
        );
      }
      const text = await res.text();
      if (res.ok) {
        try {
          return (text ? JSON.parse(text) : {}) as Output<N>;
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

  /** Every item of a paginated operation's list member `key`, following nextToken. */
  async *paginate<N extends OperationName, K extends ItemsKey<N>>(
    operation: N,
    input: Input<N>,
    key: K,
    pageSize = 100,
  ): AsyncGenerator<ItemOf<N, K>, void, undefined> {
    let nextToken: string | undefined;
    do {
      const page = (await this.call(operation, {
        ...input,
        maxResults: pageSize,
        ...(nextToken ? { nextToken } : {}),
      })) as Output<N> & { nextToken?: string };
      const items = (page[key] ?? []) as ItemOf<N, K>[];
      for (const item of items) yield item;
      nextToken = page.nextToken || undefined;
    } while (nextToken);
  }
}

export function createClient(options: ClientOptions): AdminClient {
  return new AdminClient(options);
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
