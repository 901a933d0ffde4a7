/**
 * The HTTP face of the API: one Fastify route per contract operation, AWS-style errors
 * (status from the model, X-Amzn-ErrorType, JSON body) and x-amzn-RequestId on everything.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
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
import type { CompiledOperation } from '../pipeline/pipeline.js';
import { ApiError, badRequest } from '../contract/errors.js';

const MAX_PARAM_LENGTH = 2048;

export function createHttpApp(log: Logger): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    // One access-log line per API request is written by registerOperation instead.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    // No pino child per request (it cost ~2 % of a lookup): our log lines name the request.
    childLoggerFactory: (logger) => logger,
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
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
  });
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

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-amzn-RequestId', req.id);
    // A modelled, retryable error: SDKs retry a 500 (on a restarted server or another
    // replica); the connection closes with the answer (Fastify sets Connection: close).
    if (closing) return sendError(reply, SHUTTING_DOWN);
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

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof ApiError) return sendError(reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      // Fastify's own client errors (body too large, bad content length, ...).
      return sendError(reply, new ApiError('BadRequestError', (error as Error).message));
    }
    req.log.error({ reqId: req.id, err: error }, 'internal error');
    return sendError(
      reply,
      new ApiError('InternalServerError', `An internal error occurred (request ${req.id}).`),
    );
  });
  return app;
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
  app.route({
    method: op.spec.method,
    url: routePath(op.spec),
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const q = req.url.indexOf('?');
      const started = performance.now();
      try {
        const result = await op.run({
          method: req.method,
          url: req.url,
          requestId: req.id,
          sourceIp: req.ip,
          params: req.params as Record<string, string>,
          query: q === -1 ? '' : req.url.slice(q + 1),
          headers: req.headers,
          body: req.body as Buffer | undefined,
        });
        observer?.ok((performance.now() - started) / 1000);
        if (req.log.level !== 'silent' && infoOn(req.log.level)) {
          req.log.info(
            {
              reqId: req.id,
              op: op.spec.name,
              status: 200,
              accessKeyId: result.principal.accessKeyId,
              ms: Math.round(performance.now() - started),
            },
            'request',
          );
        }
        return reply.type('application/json').send(result.json);
      } catch (e) {
        // A fault rule's dropped connection: no answer at all.
        if ((e as { dropConnection?: boolean }).dropConnection) {
          reply.hijack();
          req.raw.socket.destroy();
          return;
        }
        if (observer) {
          const api = e instanceof ApiError;
          observer.failed(
            api ? e.status : 500,
            api ? e.errorName : 'InternalServerError',
            (performance.now() - started) / 1000,
          );
        }
        if (e instanceof ApiError && req.log.level !== 'silent' && infoOn(req.log.level)) {
          req.log.info(
            {
              reqId: req.id,
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
    },
  });
}

const LEVELS = ['trace', 'debug', 'info'];
const infoOn = (level: string) => LEVELS.includes(level);
