/**
 * The HTTP face of the API: one Fastify route per contract operation, AWS-style errors
 * (status from the model, X-Amzn-ErrorType, JSON body) and x-amzn-RequestId on everything.
 */
import { randomUUID } from 'node:crypto';
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
import { ApiError } from '../contract/errors.js';

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
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
    return503OnClosing: true,
  });
  // Bodies stay raw bytes: the SigV4 payload hash needs them, and JSON errors must be ours.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-amzn-RequestId', req.id);
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

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  reply.code(error.status).header('X-Amzn-ErrorType', error.errorName);
  for (const [k, v] of Object.entries(error.headers ?? {})) reply.header(k, v);
  const body = error.reasons
    ? { message: error.message, reasons: error.reasons }
    : { message: error.message };
  return reply.type('application/json').send(JSON.stringify(body));
}

/** `/networks/{networkId}` → `/networks/:networkId` */
export function routePath(spec: OperationSpec): string {
  return spec.path.replace(/\{(\w+)\+?\}/g, ':$1');
}

export function registerOperation(app: FastifyInstance, op: CompiledOperation): void {
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
          params: req.params as Record<string, string>,
          query: q === -1 ? '' : req.url.slice(q + 1),
          headers: req.headers,
          body: req.body as Buffer | undefined,
        });
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
