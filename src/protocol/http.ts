/**
 * The HTTP server and what answers beyond operations: Fastify serves the routes that are not
 * operations (the console's pages, metrics, health, the test controls) behind the HTTP
 * adapter (adapter.ts), and answers every request that matches nothing, or that node's parser
 * refuses, in the API's error format with an x-amzn-RequestId.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import type { Logger } from 'pino';
import { ApiError, badRequest } from '../contract/errors.js';
import { asApiError } from '../pipeline/pipeline.js';
import { BODY_LIMIT, SHUTTING_DOWN, type HttpAdapter } from './adapter.js';
import { awsError } from './rest-json.js';
import { MAX_LABEL_LENGTH as MAX_PARAM_LENGTH } from './router.js';
import type { TlsPair } from './tls.js';

export interface HttpAppOptions {
  /** Serve HTTPS with this certificate and key (see tls.ts) instead of plain HTTP. */
  https?: TlsPair;
}

/** The server: the adapter first, Fastify behind it for every request no operation serves. */
export function createHttpApp(
  log: Logger,
  adapter: HttpAdapter,
  options: HttpAppOptions = {},
): FastifyInstance {
  // An HTTPS server has the same request events and API: the rest of the adapter is unchanged.
  const app = Fastify({
    ...(options.https ? { https: options.https } : {}),
    loggerInstance: log as unknown as FastifyBaseLogger,
    // Every operation's request gets one log line from its pipeline (pipeline/observe.ts).
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

  // Set once the server starts closing; the adapter answers its routes so too.
  app.addHook('preClose', async () => {
    adapter.closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-amzn-RequestId', req.id);
    // A modelled, retryable error: SDKs retry a 500 (on a restarted server or another
    // replica); the connection closes with the answer (Fastify sets Connection: close).
    if (adapter.closing) return sendError(reply, SHUTTING_DOWN);
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

  app.setErrorHandler((error, req, reply) =>
    sendError(reply, asFastifyError(error, req.log, req.id)),
  );
  adapter.install(app.server);
  return app;
}

/** What an error thrown while answering a Fastify route becomes on the wire. */
function asFastifyError(error: unknown, log: FastifyBaseLogger, reqId: string): ApiError {
  const status = (error as { statusCode?: number }).statusCode;
  if (!(error instanceof ApiError) && status && status >= 400 && status < 500) {
    // Fastify's own client errors (body too large, bad content length, ...).
    return new ApiError('BadRequestError', (error as Error).message);
  }
  return asApiError(error, log, reqId);
}

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
    const body = awsError(error).body;
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
  const answer = awsError(error);
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}
