/**
 * The HTTP face of the API: one Fastify route per contract operation, AWS-style errors
 * (status from the model, X-Amzn-ErrorType, JSON body) and x-amzn-RequestId on everything.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { OperationSpec } from '../contract/dsl.js';
import type { CompiledOperation, PipelineRequest } from '../pipeline/pipeline.js';
import { ApiError, badRequest } from '../contract/errors.js';
import type { TlsPair } from './tls.js';

const MAX_PARAM_LENGTH = 2048;
const BODY_LIMIT = 1024 * 1024;

export interface HttpAppOptions {
  /** Serve HTTPS with this certificate and key (see tls.ts) instead of plain HTTP. */
  https?: TlsPair;
}

export function createHttpApp(log: Logger, options: HttpAppOptions = {}): FastifyInstance {
  // An HTTPS server has the same request events and API: the rest of the adapter is unchanged.
  const app = Fastify({
    ...(options.https ? { https: options.https } : {}),
    loggerInstance: log as unknown as FastifyBaseLogger,
    // One access-log line per API request is written by registerOperation instead.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    // No pino child per request (it cost ~2 % of a lookup): our log lines name the request.
    childLoggerFactory: (logger) => logger,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT,
    // The route table must accept every label value so that validation, not the router,
    // answers for a malformed one.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // While closing, requests still arriving on open connections are answered by the
    // onRequest hook below in the API's format (Fastify's own 503 body is not AWS's).
    return503OnClosing: false,
    // Refusals made by the router before any route runs, in the API's own error format.
    frameworkErrors: (error, req, reply) => {
      reply.header('x-amzn-RequestId', req.id);
      sendError(reply, frameworkRefusal(error));
    },
    clientErrorHandler: answerClientError,
  }) as unknown as FastifyInstance;
  // Node answers CONNECT only through this event; without a listener it drops the socket.
  app.server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    writeRawError(
      socket,
      new ApiError('ResourceNotFoundError', `No operation matches CONNECT ${req.url ?? ''}.`),
    );
  });
  // Bodies stay raw bytes: the SigV4 payload hash needs them, and JSON errors must be ours.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Set once the server starts closing; the direct routes read it too.
  const state = { closing: false };
  app.addHook('preClose', async () => {
    state.closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-amzn-RequestId', req.id);
    // A modelled, retryable error: SDKs retry a 500 (on a restarted server or another
    // replica); the connection closes with the answer (Fastify sets Connection: close).
    if (state.closing) return sendError(reply, SHUTTING_DOWN);
  });

  app.setNotFoundHandler((req, reply) => {
    sendError(
      reply,
      new ApiError(
        'ResourceNotFoundError',
        `No operation matches ${req.method} ${req.url.split('?')[0]}.`,
      ),
    );
  });

  app.setErrorHandler((error, req, reply) => sendError(reply, asApiError(error, req.log, req.id)));
  installDirectRoutes(app, log, state);
  return app;
}

/** What an error thrown while answering becomes on the wire (logged when it is ours). */
function asApiError(error: unknown, log: FastifyBaseLogger | Logger, reqId: string): ApiError {
  if (error instanceof ApiError) return error;
  const status = (error as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) {
    // Fastify's own client errors (body too large, bad content length, ...).
    return new ApiError('BadRequestError', (error as Error).message);
  }
  log.error({ reqId, err: error }, 'internal error');
  return new ApiError('InternalServerError', `An internal error occurred (request ${reqId}).`);
}

/**
 * The API's hot operations are answered straight from node:http, before Fastify: its routing,
 * hooks, content-type parsing and reply cost as much as the operation's own work on a cached
 * BatchLookupUserUname. Only requests of the plainest form take this path (the route's exact
 * path with a simple label, a JSON body of a stated length within the limit, the server not
 * closing); every other request, and every other operation, goes through Fastify, so refusals
 * of unusual requests stay Fastify's. The answers are the same bytes and headers either way.
 */
const DIRECT_OPERATIONS = new Set(['BatchLookupUserUname']);

interface DirectRoute {
  method: string;
  prefix: string;
  suffix: string;
  label: string;
  run: (request: PipelineRequest) => Promise<string>;
}

const directRoutes = new WeakMap<FastifyInstance, DirectRoute[]>();
const LABEL = /^[A-Za-z0-9_-]{1,256}$/;
const JSON_TYPE = 'application/json; charset=utf-8';

function installDirectRoutes(
  app: FastifyInstance,
  log: Logger,
  state: { readonly closing: boolean },
): void {
  const routes: DirectRoute[] = [];
  directRoutes.set(app, routes);
  const server = app.server;
  const fastifyHandlers = server.listeners('request') as ((
    req: IncomingMessage,
    res: ServerResponse,
  ) => void)[];
  if (fastifyHandlers.length !== 1) return;
  const fastify = fastifyHandlers[0]!;
  server.removeListener('request', fastify);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // While closing, Fastify answers, as for its own routes (the shutting-down error).
    const route = state.closing || routes.length === 0 ? undefined : matchDirect(routes, req);
    if (route) answerDirect(route, req, res, log);
    else fastify(req, res);
  });
}

function matchDirect(routes: DirectRoute[], req: IncomingMessage): DirectRoute | undefined {
  const h = req.headers;
  if (
    h['content-type'] !== 'application/json' ||
    h['transfer-encoding'] !== undefined ||
    h['content-length'] === undefined
  )
    return undefined;
  const length = Number(h['content-length']);
  if (!(length <= BODY_LIMIT)) return undefined;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  for (const r of routes) {
    if (
      req.method === r.method &&
      path.startsWith(r.prefix) &&
      path.endsWith(r.suffix) &&
      path.length > r.prefix.length + r.suffix.length &&
      LABEL.test(path.slice(r.prefix.length, path.length - r.suffix.length))
    )
      return r;
  }
  return undefined;
}

function answerDirect(
  route: DirectRoute,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
): void {
  const requestId = randomUUID();
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  // A client gone mid-body gets no answer (as from Fastify).
  req.on('error', () => undefined);
  req.on('end', () => {
    const url = req.url!;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    route
      .run({
        method: req.method!,
        url,
        requestId,
        ...(req.socket.remoteAddress ? { sourceIp: req.socket.remoteAddress } : {}),
        params: {
          [route.label]: path.slice(route.prefix.length, path.length - route.suffix.length),
        },
        query: q === -1 ? '' : url.slice(q + 1),
        headers: req.headers,
        body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
      })
      .then(
        (json) => {
          res.writeHead(200, {
            'x-amzn-requestid': requestId,
            'content-type': JSON_TYPE,
            'content-length': Buffer.byteLength(json),
          });
          res.end(json);
        },
        (e: unknown) => {
          if ((e as { dropConnection?: boolean }).dropConnection) {
            req.socket.destroy();
            return;
          }
          const error = asApiError(e, log, requestId);
          const body = errorBody(error);
          const headers: Record<string, string | number> = {
            'x-amzn-requestid': requestId,
            'x-amzn-errortype': error.errorName,
          };
          for (const [k, v] of Object.entries(error.headers ?? {})) headers[k.toLowerCase()] = v;
          headers['content-type'] = JSON_TYPE;
          headers['content-length'] = Buffer.byteLength(body);
          res.writeHead(error.status, headers);
          res.end(body);
        },
      );
  });
}

const SHUTTING_DOWN = new ApiError(
  'InternalServerError',
  'The server is shutting down; retry the request.',
  undefined,
  { 'Retry-After': '1' },
);

/** What the router refused (a bad percent-escape, an over-long path label), as an ApiError. */
function frameworkRefusal(error: Error & { code?: string }): ApiError {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return badRequest(
      `A path segment of the request is longer than ${MAX_PARAM_LENGTH} characters.`,
    );
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return badRequest('The request path holds an invalid percent-escape.');
  }
  return badRequest(error.message);
}

/**
 * Requests node's HTTP parser refuses (bad method token, control character in a header,
 * request line and headers over 16 KiB, ...) never reach Fastify: they are answered here,
 * on the socket, still in the API's format, then the connection is closed.
 */
function answerClientError(this: FastifyInstance, err: Error & { code?: string }, socket: Duplex) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  this.log.debug({ err }, 'refused unparseable request');
  writeRawError(socket, badRequest(CLIENT_ERRORS[err.code ?? ''] ?? 'The request is malformed.'));
}

const CLIENT_ERRORS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: 'The request line and headers are longer than 16 KiB.',
  HPE_INVALID_METHOD: 'The request method is not an HTTP method.',
  HPE_INVALID_HEADER_TOKEN: 'A request header holds a character that is not allowed.',
  HPE_INVALID_URL: 'The request target is not a valid URL.',
  ERR_HTTP_REQUEST_TIMEOUT: 'The request was not received in time.',
  ERR_HTTP_HEADERS_TIMEOUT: 'The request headers were not received in time.',
};

function writeRawError(socket: Duplex, error: ApiError): void {
  if (socket.writable) {
    const body = errorBody(error);
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
        `Content-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Amzn-ErrorType: ${error.errorName}\r\n` +
        `x-amzn-RequestId: ${randomUUID()}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  // Closed once the answer is flushed: the parser cannot read on after a malformed request.
  socket.once('finish', () => socket.destroy());
  socket.end();
}

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  reply.code(error.status).header('X-Amzn-ErrorType', error.errorName);
  for (const [k, v] of Object.entries(error.headers ?? {})) reply.header(k, v);
  return reply.type('application/json').send(errorBody(error));
}

const errorBody = (error: ApiError) =>
  JSON.stringify(
    error.reasons ? { message: error.message, reasons: error.reasons } : { message: error.message },
  );

/** `/networks/{networkId}` → `/networks/:networkId` */
export function routePath(spec: OperationSpec): string {
  return spec.path.replace(/\{(\w+)\+?\}/g, ':$1');
}

/** Told of each request's outcome and duration (metrics); one per operation. */
export interface OperationObserver {
  ok(seconds: number): void;
  failed(status: number, errorName: string, seconds: number): void;
}

export function registerOperation(
  app: FastifyInstance,
  op: CompiledOperation,
  observer?: OperationObserver,
): void {
  const run = observedRun(op, app.log, observer);
  app.route({
    method: op.spec.method,
    url: routePath(op.spec),
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const q = req.url.indexOf('?');
      try {
        const json = await run({
          method: req.method,
          url: req.url,
          requestId: req.id,
          sourceIp: req.ip,
          params: req.params as Record<string, string>,
          query: q === -1 ? '' : req.url.slice(q + 1),
          headers: req.headers,
          body: req.body as Buffer | undefined,
        });
        return reply.type('application/json').send(json);
      } catch (e) {
        // A fault rule's dropped connection: no answer at all.
        if ((e as { dropConnection?: boolean }).dropConnection) {
          reply.hijack();
          req.raw.socket.destroy();
          return;
        }
        throw e;
      }
    },
  });
  const labels = [...op.spec.path.matchAll(/\{(\w+)\}/g)];
  if (DIRECT_OPERATIONS.has(op.spec.name) && labels.length === 1 && !op.spec.path.includes('+')) {
    const at = op.spec.path.indexOf(labels[0]![0]);
    directRoutes.get(app)?.push({
      method: op.spec.method,
      prefix: op.spec.path.slice(0, at),
      suffix: op.spec.path.slice(at + labels[0]![0].length),
      label: labels[0]![1]!,
      run,
    });
  }
}

/** The operation's pipeline with its metrics and access-log line around it. */
function observedRun(
  op: CompiledOperation,
  log: FastifyBaseLogger,
  observer?: OperationObserver,
): (request: PipelineRequest) => Promise<string> {
  return async (request) => {
    const started = performance.now();
    try {
      const result = await op.run(request);
      observer?.ok((performance.now() - started) / 1000);
      if (log.level !== 'silent' && infoOn(log.level)) {
        log.info(
          {
            reqId: request.requestId,
            op: op.spec.name,
            status: 200,
            accessKeyId: result.principal.accessKeyId,
            ms: Math.round(performance.now() - started),
          },
          'request',
        );
      }
      return result.json;
    } catch (e) {
      if ((e as { dropConnection?: boolean }).dropConnection) throw e;
      if (observer) {
        const api = e instanceof ApiError;
        observer.failed(
          api ? e.status : 500,
          api ? e.errorName : 'InternalServerError',
          (performance.now() - started) / 1000,
        );
      }
      if (e instanceof ApiError && log.level !== 'silent' && infoOn(log.level)) {
        log.info(
          {
            reqId: request.requestId,
            op: op.spec.name,
            status: e.status,
            error: e.errorName,
            ms: Math.round(performance.now() - started),
          },
          'request',
        );
      }
      throw e;
    }
  };
}

const LEVELS = ['trace', 'debug', 'info'];
const infoOn = (level: string) => LEVELS.includes(level);
