/**
 * The web console: its built front end under /console/, and a small JSON API under
 * /console/api/ for it. Sign-in turns an access key into a session cookie; every action then
 * runs as that key through the Admin API's own pipeline (CompiledOperation.runAs): the same
 * validation, policy, rate limit, idempotency and request log as a signed call.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { CompiledOperation } from '../../pipeline/pipeline.js';
import type { RateLimiter } from '../../pipeline/rate-limit.js';
import { ApiError, badRequest, forbidden, validationError } from '../../contract/errors.js';
import { sendError } from '../../protocol/http.js';
import type { Database } from '../../store/schema.js';
import { networkOutbox, type OutboxQuery } from './outbox.js';
import { csrfMatches, SessionStore, type Session } from './sessions.js';
import { DEFAULT_GUARD, SignInGuard, type GuardOptions } from './sign-in-guard.js';
import { authorize } from '../../auth/policy.js';
import { recordAudit, type AuditEntry } from '../../audit/record.js';

export interface ConsoleDeps {
  db: Kysely<Database>;
  log: Logger;
  now: () => number;
  /** Every contract operation, compiled by the Admin API's pipeline. */
  operations: ReadonlyMap<string, CompiledOperation>;
  /** The per-access-key limiter the pipeline uses (for the console-only outbox read). */
  limiter: RateLimiter;
  /** WICKR_PUBLIC_URL as configured: an https URL makes the cookie Secure (as HTTPS does). */
  publicUrl: string | undefined;
  /** The built front end; defaults to dist/console of this package. */
  assetsDir?: string;
  guard?: GuardOptions;
}

const COOKIE = 'wickr_console';
const CSRF_HEADER = 'x-csrf-token';
/**
 * dist/console of this package: src/surfaces/console and dist/surfaces/console sit three
 * levels below the package, the bundle (dist/wickr-admin.mjs, scripts/bundle.mjs) beside it.
 */
const DEFAULT_ASSETS = fileURLToPath(
  import.meta.url.endsWith('/dist/wickr-admin.mjs')
    ? new URL('console/', import.meta.url)
    : new URL('../../../dist/console/', import.meta.url),
);
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

function cookieOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function jsonObject(req: FastifyRequest): Record<string, unknown> {
  const raw = req.body as Buffer | undefined;
  if (!raw || raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

const sessionBody = (s: Session) => ({
  signedIn: true,
  accessKeyId: s.principal.accessKeyId,
  accountId: s.principal.accountId,
  region: s.principal.region,
  actions: s.principal.actions,
  networks: s.principal.networks ?? null,
  csrfToken: s.csrfToken,
  expiresAt: new Date(s.expiresAt).toISOString(),
});

export async function consolePlugin(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const sessions = new SessionStore(deps.db, deps.now);
  const guard = new SignInGuard(deps.guard ?? DEFAULT_GUARD, deps.now);
  const publicHttps = deps.publicUrl?.startsWith('https:') ?? false;
  const assets = deps.assetsDir ?? DEFAULT_ASSETS;

  const setCookie = (reply: FastifyReply, value: string, maxAgeSeconds: number) =>
    reply.header(
      'set-cookie',
      `${COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}` +
        // Whenever the browser reaches the server over HTTPS: served by it, or by a proxy in
        // front of it that WICKR_PUBLIC_URL names.
        (publicHttps || reply.request.protocol === 'https' ? '; Secure' : ''),
    );

  /** The signed-in session, or UnauthorizedError; with `csrf`, the request must carry its token. */
  async function requireSession(
    req: FastifyRequest,
    reply: FastifyReply,
    csrf: boolean,
  ): Promise<Session> {
    const token = cookieOf(req);
    const found = token ? await sessions.resolve(token) : undefined;
    if (!found?.ok) {
      if (token) setCookie(reply, '', 0);
      throw new ApiError(
        'UnauthorizedError',
        found?.reason === 'revoked'
          ? 'The access key of this session has been revoked; the session has ended.'
          : found?.reason === 'expired'
            ? 'Your session has expired; sign in again.'
            : 'You are not signed in.',
      );
    }
    if (csrf) {
      const given = req.headers[CSRF_HEADER];
      if (!csrfMatches(found.session.csrfToken, Array.isArray(given) ? given[0] : given)) {
        throw forbidden("The request lacks the session's CSRF token (header X-CSRF-Token).");
      }
    }
    return found.session;
  }

  // Requests from another site's page never reach the API, even with a token they guessed.
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/console/api/')) return;
    const origin = req.headers.origin;
    if (origin && origin !== 'null') {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        host = undefined;
      }
      if (host !== req.headers.host) throw forbidden(`Requests from ${origin} are not accepted.`);
    } else if (origin === 'null') {
      throw forbidden('Requests from an opaque origin are not accepted.');
    }
  });

  /** The audit record of a console request (sign-in, sign-out, a refused action). */
  const auditOf = (
    req: FastifyRequest,
    operation: string,
    fields: Pick<AuditEntry, 'outcome' | 'status'> & Partial<AuditEntry>,
  ): AuditEntry => {
    const ua = req.headers['user-agent'];
    return {
      at: deps.now(),
      source: 'console',
      operation,
      requestId: req.id,
      sourceIp: req.ip,
      ...(typeof ua === 'string' ? { userAgent: ua } : {}),
      ...fields,
    };
  };
  const refusal = (e: unknown) =>
    e instanceof ApiError
      ? {
          outcome: 'refused' as const,
          status: e.status,
          errorName: e.errorName,
          errorMessage: e.message,
        }
      : undefined;

  // Every sign-in is audited: a success in the transaction that creates its session, and a
  // refusal (wrong or revoked key, lockout, bad input) on its own. Never the secret.
  app.post('/console/api/session', async (req, reply) => {
    let claimed: { accessKeyId?: string; parameters?: unknown } = {};
    try {
      return await signIn(req, reply, (c) => (claimed = c));
    } catch (e) {
      const refused = refusal(e);
      if (refused) await recordAudit(deps.db, auditOf(req, 'SignIn', { ...claimed, ...refused }));
      throw e;
    }
  });

  async function signIn(
    req: FastifyRequest,
    reply: FastifyReply,
    claim: (c: { accessKeyId?: string; parameters?: unknown }) => void,
  ) {
    const body = jsonObject(req);
    const id = body['accessKeyId'];
    const region = body['region'] ?? 'us-east-1';
    // What the attempt claims, for its audit record: a plausible key ID and the region only
    // (a secret pasted into the wrong field must not be recorded).
    const keyId =
      typeof id === 'string' && /^[A-Za-z0-9]{1,128}$/.test(id.trim()) ? id.trim() : undefined;
    claim({
      ...(keyId ? { accessKeyId: keyId } : {}),
      parameters: {
        ...(keyId ? { accessKeyId: keyId } : {}),
        ...(typeof region === 'string' && REGION.test(region) ? { region } : {}),
      },
    });
    const address = req.ip;
    const wait = guard.waitSeconds(address);
    if (wait > 0) {
      throw new ApiError(
        'RateLimitError',
        `Too many failed sign-ins from this address; try again in ${wait} second${wait === 1 ? '' : 's'}.`,
        undefined,
        { 'Retry-After': String(wait) },
      );
    }
    const reasons = [];
    const secret = body['secretAccessKey'];
    if (typeof id !== 'string' || id.trim() === '')
      reasons.push({ field: 'accessKeyId', reason: 'is required' });
    if (typeof secret !== 'string' || secret === '')
      reasons.push({ field: 'secretAccessKey', reason: 'is required' });
    if (typeof region !== 'string' || !REGION.test(region))
      reasons.push({ field: 'region', reason: 'must be a region name such as us-east-1' });
    if (reasons.length > 0) throw validationError(reasons);

    const result = await sessions.verify((id as string).trim(), secret as string, region as string);
    if ('refused' in result) {
      guard.failed(address);
      deps.log.info(
        {
          surface: 'console',
          event: 'sign-in',
          outcome: result.refused,
          accessKeyId: id,
          ip: address,
        },
        'console sign-in refused',
      );
      throw new ApiError(
        'UnauthorizedError',
        result.refused === 'revoked'
          ? 'This access key has been revoked.'
          : 'The access key ID or the secret access key is wrong.',
      );
    }
    guard.succeeded(address);
    const p = result.principal;
    const { token, session } = await deps.db.transaction().execute(async (trx) => {
      const created = await new SessionStore(trx, deps.now).create(p);
      await recordAudit(
        trx,
        auditOf(req, 'SignIn', {
          outcome: 'success',
          status: 200,
          accessKeyId: p.accessKeyId,
          accountId: p.accountId,
          region: p.region,
          parameters: { accessKeyId: p.accessKeyId, region: p.region },
        }),
      );
      return created;
    });
    deps.log.info(
      { surface: 'console', event: 'sign-in', outcome: 'ok', accessKeyId: id, ip: address },
      'console sign-in',
    );
    setCookie(reply, token, Math.floor((session.expiresAt - deps.now()) / 1000));
    return reply.type('application/json').send(JSON.stringify(sessionBody(session)));
  }

  // The page asks on load whether it is signed in: "no" is an answer here, not an error.
  app.get('/console/api/session', async (req, reply) => {
    let body: Record<string, unknown>;
    try {
      body = { ...sessionBody(await requireSession(req, reply, false)) };
    } catch (e) {
      if (!(e instanceof ApiError) || e.errorName !== 'UnauthorizedError') throw e;
      body = { signedIn: false, message: e.message };
    }
    return reply.type('application/json').send(JSON.stringify(body));
  });

  app.delete('/console/api/session', async (req, reply) => {
    let session: Session;
    try {
      session = await requireSession(req, reply, true);
    } catch (e) {
      const refused = refusal(e);
      if (refused) await recordAudit(deps.db, auditOf(req, 'SignOut', refused));
      throw e;
    }
    const p = session.principal;
    await deps.db.transaction().execute(async (trx) => {
      await new SessionStore(trx, deps.now).end(cookieOf(req)!);
      await recordAudit(
        trx,
        auditOf(req, 'SignOut', {
          outcome: 'success',
          status: 200,
          accessKeyId: p.accessKeyId,
          accountId: p.accountId,
          region: p.region,
        }),
      );
    });
    setCookie(reply, '', 0);
    return reply.type('application/json').send('{}');
  });

  app.post('/console/api/operations/:name', async (req, reply) => {
    const name = (req.params as { name: string }).name;
    const op = deps.operations.get(name);
    if (!op) throw new ApiError('ResourceNotFoundError', `There is no operation named ${name}.`);
    let session: Session;
    try {
      session = await requireSession(req, reply, true);
    } catch (e) {
      // A refused action (no session, no CSRF token) is audited as the pipeline's refusals are.
      const refused = refusal(e);
      if (refused) await recordAudit(deps.db, auditOf(req, name, refused));
      throw e;
    }
    const started = performance.now();
    const ua = req.headers['user-agent'];
    try {
      const json = await op.runAs(session.principal, jsonObject(req), req.id, {
        source: 'console',
        sourceIp: req.ip,
        ...(typeof ua === 'string' ? { userAgent: ua } : {}),
      });
      logRequest(req, name, 200, session, started);
      return reply.type('application/json').send(json);
    } catch (e) {
      if (e instanceof ApiError) logRequest(req, name, e.status, session, started, e.errorName);
      throw e;
    }
  });

  app.get('/console/api/networks/:networkId/outbox', async (req, reply) => {
    const session = await requireSession(req, reply, true);
    const { networkId } = req.params as { networkId: string };
    const p = session.principal;
    deps.limiter.enforce(p.accessKeyId, `access key ${p.accessKeyId}`);
    if (!/^\d{8}$/.test(networkId)) {
      throw validationError([{ field: 'networkId', reason: 'must be 8 digits' }]);
    }
    // The outbox holds the network's invitations: reading it needs what listing users needs.
    authorize(p, 'ListUsers', networkId);
    const page = await networkOutbox(deps.db, p, networkId, req.query as OutboxQuery);
    return reply.type('application/json').send(JSON.stringify(page));
  });

  app.all('/console/api/*', async (req, reply) =>
    sendError(
      reply,
      new ApiError(
        'ResourceNotFoundError',
        `No console endpoint matches ${req.method} ${req.url}.`,
      ),
    ),
  );

  function logRequest(
    req: FastifyRequest,
    op: string,
    status: number,
    session: Session,
    started: number,
    error?: string,
  ) {
    req.log.info(
      {
        reqId: req.id,
        surface: 'console',
        op,
        status,
        ...(error ? { error } : {}),
        accessKeyId: session.principal.accessKeyId,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  }

  // A browser at the root goes to the console; a signed API call to `/` still gets the
  // Admin API's own answer (ResourceNotFoundError), as before the console existed.
  app.get('/', async (req, reply) => {
    if (req.headers.authorization || /[?&]X-Amz-Signature=/i.test(req.url)) {
      return reply.callNotFound();
    }
    return reply.redirect('/console/', 302);
  });

  const headers = (reply: FastifyReply) =>
    reply
      .header(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      )
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');

  if (!existsSync(`${assets}/index.html`)) {
    // A checkout that was compiled with tsc alone: say how to get the pages.
    app.get('/console/*', async (_req, reply) =>
      headers(reply)
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build` in the package.'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: assets,
    prefix: '/console/',
    wildcard: false,
    index: false,
    // Ours is the only Cache-Control: with send's own on, it replaced ours with max-age=0.
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader('cache-control', assetCacheControl(path));
    },
  });
  // Every other path under /console/ is a page of the single-page app.
  const page = async (_req: FastifyRequest, reply: FastifyReply) =>
    headers(reply)
      .header('cache-control', 'no-cache')
      .sendFile('index.html', assets, { cacheControl: false });
  app.get('/console/', page);
  app.get('/console/*', page);
}

/** Vite's file names: `assets/<name>-<8-character content hash>.<ext>`. */
const HASHED_ASSET = /\/assets\/[^/]+-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$/;

/**
 * A file whose name carries its content's hash never changes under that name: browsers keep it
 * a year without asking again. Anything else (the page, unhashed files) is revalidated each time.
 */
export function assetCacheControl(path: string): string {
  return HASHED_ASSET.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}
