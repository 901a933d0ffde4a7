/**
 * The invitee surface: unsigned endpoints used by people and bots rather than administrators
 * (registration with an invite code, declining, bot sign-in, guest activity, the SSO
 * callback) and the page an invitation link opens. An encapsulated Fastify plugin: its own
 * body parser, its own schema validation (TypeBox, no type coercion), its own error handler
 * and one log line per request naming what it was about and how it ended.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Services } from '../../domain/context.js';
import { botLogin } from '../../domain/bots.js';
import { recordGuestActivity } from '../../domain/guest-users.js';
import {
  decline,
  register,
  RegistrationRefused,
  type SystemCtx,
} from '../../domain/registration.js';
import type { RateLimiter } from '../../pipeline/rate-limit.js';
import { ApiError, badRequest } from '../../contract/errors.js';
import { MASK } from '../../contract/sensitive.js';
import { sendError } from '../../protocol/http.js';
import type { Database } from '../../store/schema.js';
import { recordAudit, type AuditEntry } from '../../audit/record.js';
import { invitationJson, invitationPage, invitationFormPost, wantsHtml } from './page.js';
import {
  BotLoginBody,
  DeclineBody,
  GuestActivityBody,
  InvitationForm,
  InvitationQuery,
  NetworkParams,
  RegisterBody,
  SsoCallbackQuery,
} from './schemas.js';
import { compileSchema, validationMessage } from './validation.js';

export interface InviteeDeps {
  db: Kysely<Database>;
  services: Services;
  perAddress: RateLimiter;
  perUser: RateLimiter;
}

/** What a route is, for error messages and the request log. */
interface RouteConfig {
  action: string;
  /** Names the body in validation messages ("Registration needs ..."). */
  what: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** How the invitee request ended, for its log line (never a code or secret). */
    inviteeOutcome: string;
    /** The modelled error the request was answered with, for its audit record. */
    inviteeError: ApiError | null;
    /** Its audit record was written with its change, in the change's transaction. */
    inviteeAudited: boolean;
  }
}

/** The audit trail's operation name of each route's action (a view is audited when refused). */
const AUDITED: Record<string, string> = {
  register: 'Register',
  decline: 'Decline',
  'bot sign-in': 'BotSignIn',
  'guest activity': 'GuestActivity',
  'invitation view': 'ViewInvitation',
  'invitation form': 'InvitationForm',
};
/** Body and query members an audit record keeps; the secrets only as "***". */
const KEPT = ['username', 'deviceName', 'platform', 'action', 'pubkey'];
const SECRETS = ['inviteCode', 'challenge'];

function auditedParameters(networkId: unknown, ...sources: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = typeof networkId === 'string' ? { networkId } : {};
  for (const src of sources) {
    if (!src || typeof src !== 'object') continue;
    const o = src as Record<string, unknown>;
    for (const k of KEPT) if (typeof o[k] === 'string') out[k] = o[k].slice(0, MAX_AUDITED_TEXT);
    for (const k of SECRETS) if (o[k] !== undefined) out[k] = MASK;
  }
  return out;
}
const MAX_AUDITED_TEXT = 256;

export const PREFIX = '/client/v1/networks/:networkId';

export async function inviteeSurface(app: FastifyInstance, deps: InviteeDeps): Promise<void> {
  const ctx = { db: deps.db, services: deps.services };
  const log = deps.services.log;

  // JSON bodies, whatever their declared type (clients have always sent them so), and the
  // invitation page's form. An empty body is an empty object, so validation names what is missing.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
      return done(null, Object.fromEntries(new URLSearchParams(text)));
    }
    if (text.length === 0) return done(null, {});
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(badRequest('The request body is not valid JSON.'), undefined);
    }
  });
  app.setValidatorCompiler(({ schema }) => compileSchema(schema));
  app.decorateRequest('inviteeOutcome', '');
  app.decorateRequest('inviteeError', null);
  app.decorateRequest('inviteeAudited', false);

  app.addHook('preValidation', async (req) => {
    if (req.method === 'POST' && req.body === undefined) req.body = {};
  });

  app.setErrorHandler((error, req, reply) => {
    const what = (req.routeOptions.config as Partial<RouteConfig>).what ?? 'The request';
    let e: ApiError;
    if (error instanceof ApiError) e = error;
    else if ((error as { validation?: unknown }).validation) {
      e = badRequest(validationMessage(error as Parameters<typeof validationMessage>[0], what));
    } else {
      const status = (error as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) e = badRequest((error as Error).message);
      else {
        req.log.error({ reqId: req.id, err: error }, 'internal error');
        e = new ApiError('InternalServerError', `An internal error occurred (request ${req.id}).`);
      }
    }
    req.inviteeOutcome ||=
      e instanceof RegistrationRefused ? `refused: ${e.refusal}` : `refused: ${e.errorName}`;
    req.inviteeError = e;
    if ((req.routeOptions.config as { html?: boolean }).html && wantsHtml(req)) {
      return invitationPage.error(reply, e);
    }
    return sendError(reply, e);
  });

  /** The audit record of an invitee request, or undefined for one that is not audited. */
  const entryOf = (req: FastifyRequest, status: number): AuditEntry | undefined => {
    const config = req.routeOptions.config as Partial<RouteConfig>;
    const operation = config.action ? AUDITED[config.action] : undefined;
    const e = req.inviteeError;
    const refused = status >= 400 || req.inviteeOutcome.includes('refused') || e !== null;
    if (!operation || (operation === 'ViewInvitation' && !refused)) return undefined;
    const params = req.params as Partial<NetworkParams>;
    const ua = req.headers['user-agent'];
    const body = req.body as Record<string, unknown> | undefined;
    return {
      at: deps.services.now(),
      source: 'invitee',
      operation:
        operation === 'InvitationForm' &&
        (body?.['action'] === 'register' || body?.['action'] === 'decline')
          ? body['action'] === 'register'
            ? 'Register'
            : 'Decline'
          : operation,
      outcome: status >= 500 ? 'error' : refused ? 'refused' : 'success',
      status,
      requestId: req.id,
      sourceIp: req.ip,
      ...(typeof ua === 'string' ? { userAgent: ua } : {}),
      ...(typeof params.networkId === 'string' && /^\d{8}$/.test(params.networkId)
        ? { networkId: params.networkId }
        : {}),
      parameters: auditedParameters(params.networkId, req.query, body),
      ...(e ? { errorName: e.errorName, errorMessage: e.message } : {}),
    };
  };

  /**
   * The domain's context for one request: a successful change writes its audit record in its
   * own transaction (so no change commits without it).
   */
  const ctxFor = (req: FastifyRequest): SystemCtx => ({
    ...ctx,
    record: async (db) => {
      const entry = entryOf(req, 200);
      if (!entry) return;
      await recordAudit(db, entry);
      req.inviteeAudited = true;
    },
  });

  // Every other audited request (a refusal) is recorded before its answer leaves, with what
  // the answer says and no more (a refused code gets the same record for a known or unknown
  // username; the code and a bot's challenge only as "***"). Invitation views only when
  // refused (a wrong code counts a failure). After the domain's transaction: its redemption
  // commits the failure count even when it refuses.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.inviteeAudited) return payload;
    const entry = entryOf(req, reply.statusCode);
    if (!entry) return payload;
    try {
      await recordAudit(deps.db, entry);
    } catch (err) {
      req.log.error({ reqId: req.id, err }, 'invitee audit record failed');
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const config = req.routeOptions.config as Partial<RouteConfig>;
    if (!config.action) return;
    log.info(
      {
        reqId: req.id,
        invitee: config.action,
        networkId: (req.params as Partial<NetworkParams>).networkId,
        status: reply.statusCode,
        outcome: req.inviteeOutcome || (reply.statusCode < 400 ? 'ok' : 'refused'),
        ms: Math.round(reply.elapsedTime),
      },
      'invitee request',
    );
  });

  const limitAddress = (bucket: string, what: string) => async (req: FastifyRequest) => {
    deps.perAddress.enforce(`${bucket}:${req.ip}`, `${what} from ${req.ip}`);
  };
  const registrations = limitAddress('addr', 'registrations');
  const json = (reply: FastifyReply, body: unknown) =>
    reply.type('application/json').send(JSON.stringify(body));
  const config = (action: string, what: string): RouteConfig => ({ action, what });

  app.post<{ Params: NetworkParams; Body: RegisterBody }>(
    `${PREFIX}/register`,
    {
      schema: { params: NetworkParams, body: RegisterBody },
      config: config('register', 'Registration'),
      onRequest: registrations,
    },
    async (req, reply) => {
      const { networkId } = req.params;
      deps.perUser.enforce(`user:${networkId}:${req.body.username.toLowerCase()}`, 'this user');
      const result = await register(ctxFor(req), networkId, req.body);
      req.inviteeOutcome = `registered user ${result.userId}`;
      return json(reply, result);
    },
  );

  // A person turns an invitation down (GetUsersCount's `rejected`).
  app.post<{ Params: NetworkParams; Body: DeclineBody }>(
    `${PREFIX}/decline`,
    {
      schema: { params: NetworkParams, body: DeclineBody },
      config: config('decline', 'Declining'),
      onRequest: registrations,
    },
    async (req, reply) => {
      const { networkId } = req.params;
      deps.perUser.enforce(`user:${networkId}:${req.body.username.toLowerCase()}`, 'this user');
      const result = await decline(ctxFor(req), networkId, req.body);
      req.inviteeOutcome = `declined by user ${result.userId}`;
      return json(reply, result);
    },
  );

  // Bots sign in with their challenge (password); the first success activates the bot.
  // Its own per-address bucket, so bots and people registering do not starve each other.
  app.post<{ Params: NetworkParams; Body: BotLoginBody }>(
    `${PREFIX}/bots/login`,
    {
      schema: { params: NetworkParams, body: BotLoginBody },
      config: config('bot sign-in', 'Bot sign-in'),
      onRequest: limitAddress('bot-addr', 'bot sign-ins'),
    },
    async (req, reply) => {
      const { networkId } = req.params;
      const { username, challenge, pubkey } = req.body;
      deps.perUser.enforce(`bot:${networkId}:${username.toLowerCase()}`, 'this bot');
      const result = await botLogin(ctxFor(req), networkId, {
        username,
        challenge,
        ...(typeof pubkey === 'string' ? { pubkey } : {}),
      });
      req.inviteeOutcome = `bot ${result.botId} signed in`;
      return json(reply, result);
    },
  );

  // A federated network reports that one of its people (a guest here) talked to this network's
  // users: counted per billing period; blocked guests are refused. Own per-address bucket.
  app.post<{ Params: NetworkParams; Body: GuestActivityBody }>(
    `${PREFIX}/guest-activity`,
    {
      schema: { params: NetworkParams, body: GuestActivityBody },
      config: config('guest activity', 'Guest activity'),
      onRequest: limitAddress('guest-addr', 'guest activity'),
    },
    async (req, reply) => {
      const result = await recordGuestActivity(
        ctxFor(req),
        req.params.networkId,
        req.body.username,
      );
      req.inviteeOutcome = `guest counted in ${result.billingPeriod}`;
      return json(reply, result);
    },
  );

  // Where an OIDC provider sends people back after signing in (the configured redirectUrl):
  // shows the code that the app exchanges through GetOidcInfo.
  app.get<{ Params: NetworkParams; Querystring: SsoCallbackQuery }>(
    `${PREFIX}/sso/callback`,
    { schema: { params: NetworkParams, querystring: SsoCallbackQuery } },
    async (req, reply) => {
      const q = req.query;
      return json(reply, {
        networkId: req.params.networkId,
        code: q.code ?? null,
        state: q.state ?? null,
        ...(q.error ? { error: q.error, errorDescription: q.error_description ?? null } : {}),
        exchange: 'GetOidcInfo with code (and codeVerifier when PKCE was used)',
      });
    },
  );

  // Where invitation links lead. A browser gets the invitation page; an app (asking for
  // JSON, or for nothing in particular) gets how to redeem the code, as before.
  app.get<{ Params: NetworkParams; Querystring: InvitationQuery }>(
    `${PREFIX}/invitation`,
    {
      schema: { params: NetworkParams, querystring: InvitationQuery },
      config: { ...config('invitation view', 'The invitation link'), html: true },
      onRequest: registrations,
    },
    async (req, reply) => {
      const { networkId } = req.params;
      if (!wantsHtml(req)) {
        req.inviteeOutcome = 'described (JSON)';
        return json(reply, invitationJson(networkId, req.query));
      }
      const { username, inviteCode } = req.query;
      if (username && inviteCode) {
        deps.perUser.enforce(`user:${networkId}:${username.toLowerCase()}`, 'this user');
      }
      return invitationPage.view(ctx, req, reply, networkId, req.query);
    },
  );

  // The invitation page's form: Register or Decline, answered with a page.
  app.post<{ Params: NetworkParams; Body: InvitationForm }>(
    `${PREFIX}/invitation`,
    {
      schema: { params: NetworkParams, body: InvitationForm },
      config: { ...config('invitation form', 'The form'), html: true },
      onRequest: registrations,
    },
    async (req, reply) => {
      const { networkId } = req.params;
      deps.perUser.enforce(`user:${networkId}:${req.body.username.toLowerCase()}`, 'this user');
      return invitationFormPost(ctxFor(req), req, reply, networkId, req.body);
    },
  );
}
