/**
 * The one HTTP adapter: every operation, the Wickr API's and the server's own extensions
 * alike, is reached through it, on node:http directly. Protocols (restJson1 for the API, the
 * console's JSON API, the invitee endpoints; SCIM and CloudTrail's JSON 1.1 next) give it
 * their routes, compiled from the contract; it matches a request, reads its body within the
 * limit, hands it to the operation's compiled pipeline and writes the answer. Requests that
 * match no route go on to the fallback (Fastify: static pages, metrics, health, the test
 * controls), which answers an unknown route in the API's error format.
 *
 * Why not Fastify for operations: its routing, hooks, content-type parsing and reply cost as
 * much as a cached BatchLookupUserUname's own work (bench/PERFORMANCE.md).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { OperationSpec } from '../contract/dsl.js';
import { ApiError, badRequest } from '../contract/errors.js';
import type { Answer, CompiledOperation, Entry, PipelineRequest } from '../pipeline/entry.js';
import { Router } from './router.js';

/** The largest request body read (1 MiB). */
export const BODY_LIMIT = 1024 * 1024;

/** A route a protocol serves: where, and which operation a request there runs. */
export interface Route {
  method: string;
  /** A path template with `{label}` segments. */
  path: string;
  /** The operation a request runs, once its body is read (or a refusal). */
  pick(req: PipelineRequest): CompiledOperation | ApiError;
  /** Answers a refusal made before any operation runs, in the protocol's error format. */
  refuse(error: ApiError, req: PipelineRequest): Answer;
}

/** Compiles an operation's pipeline for one entry of a protocol. */
export type Compile = (spec: OperationSpec, entry: Entry) => CompiledOperation;

/**
 * A protocol: how requests to some operations are framed (routes, binding, authentication
 * scheme) and answered (successes and refusals in its own format). See docs/architecture.md,
 * "Adding a protocol".
 */
export interface Protocol {
  readonly name: string;
  routes(compile: Compile): Route[];
}

export const SHUTTING_DOWN = new ApiError(
  'InternalServerError',
  'The server is shutting down; retry the request.',
  undefined,
  { 'Retry-After': '1' },
);

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export class HttpAdapter {
  private readonly router = new Router<Route>();
  /** Set when the server starts closing: requests still arriving get SHUTTING_DOWN. */
  closing = false;

  constructor(private readonly compile: Compile) {}

  add(protocol: Protocol): void {
    for (const route of protocol.routes(this.compile)) {
      this.router.add(route.method, route.path, route);
    }
  }

  /** Puts the adapter in front of the server's request listener (the fallback). */
  install(server: Server): void {
    const listeners = server.listeners('request') as Listener[];
    if (listeners.length !== 1) throw new Error('Expected one request listener to put first');
    const fallback = listeners[0]!;
    server.removeListener('request', fallback);
    server.on('request', (req: IncomingMessage, res: ServerResponse) =>
      this.handle(req, res, fallback),
    );
  }

  private handle(req: IncomingMessage, res: ServerResponse, fallback: Listener): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const found = this.router.match(req.method ?? '', q === -1 ? url : url.slice(0, q));
    if (!found) return fallback(req, res);
    const route = found.value;
    const request: PipelineRequest = {
      method: req.method!,
      url,
      requestId: randomUUID(),
      params: 'params' in found ? found.params : {},
      query: q === -1 ? '' : url.slice(q + 1),
      headers: req.headers,
      body: undefined,
      peer: req.socket.remoteAddress,
    };
    const refuse = (error: ApiError, close = false) => {
      // The rest of an unread body is discarded by node once the answer is sent.
      req.resume();
      send(res, request, route.refuse(error, request), close);
    };
    // A modelled, retryable error: SDKs retry a 500 (on a restarted server or another
    // replica); the connection closes with the answer.
    if (this.closing) return refuse(SHUTTING_DOWN, true);
    if ('error' in found) return refuse(found.error);
    const length = req.headers['content-length'];
    if (length !== undefined && !(Number(length) <= BODY_LIMIT)) return refuse(TOO_LARGE);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > BODY_LIMIT) {
        over = true;
        refuse(TOO_LARGE);
      } else chunks.push(c);
    });
    // A client gone mid-body gets no answer.
    req.on('error', () => undefined);
    req.on('end', () => {
      if (over) return;
      if (chunks.length > 0) request.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const op = route.pick(request);
      if (op instanceof ApiError) return send(res, request, route.refuse(op, request), false);
      op.run(request).then(
        (answer) => send(res, request, answer, false),
        () => {
          // A fault rule's dropped connection (the pipeline answers everything else).
          req.socket.destroy();
        },
      );
    });
  }
}

const TOO_LARGE = badRequest(`The request body is larger than ${BODY_LIMIT} bytes.`);

function send(res: ServerResponse, req: PipelineRequest, answer: Answer, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = {
    ...answer.headers,
    'x-amzn-requestid': req.requestId,
    'content-length': Buffer.byteLength(answer.body),
  };
  if (close) headers['connection'] = 'close';
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
