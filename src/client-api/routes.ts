/**
 * Unsigned endpoints used by people rather than administrators: registration with an invite
 * code, and the page an invitation link points at. Limited per source address and per user.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../domain/context.js';
import { decline, parseDecline, parseRegistration, register } from '../domain/registration.js';
import { parseGuestActivity, recordGuestActivity } from '../domain/guest-users.js';
import { botLogin, parseBotLogin } from '../domain/bots.js';
import { badRequest, validationError } from '../contract/errors.js';
import { nulReasons } from '../pipeline/validate.js';
import type { RateLimiter } from '../pipeline/rate-limit.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export interface ClientApiDeps {
  db: Kysely<Database>;
  services: Services;
  perAddress: RateLimiter;
  perUser: RateLimiter;
}

function jsonBody(req: FastifyRequest): unknown {
  const raw = req.body as Buffer | undefined;
  if (!raw || raw.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  // The Admin API's rule: no NUL in any string (PostgreSQL text cannot hold one).
  const nul = nulReasons(body);
  if (nul.length > 0) throw validationError(nul);
  return body;
}

function networkIdOf(req: FastifyRequest): string {
  const id = (req.params as { networkId: string }).networkId;
  if (!/^\d{8}$/.test(id)) throw badRequest('The network ID must be 8 digits.');
  return id;
}

export function registerClientApi(app: FastifyInstance, deps: ClientApiDeps): void {
  app.post('/client/v1/networks/:networkId/register', async (req, reply) => {
    deps.perAddress.enforce(`addr:${req.ip}`, `registrations from ${req.ip}`);
    const networkId = networkIdOf(req);
    const input = parseRegistration(jsonBody(req));
    deps.perUser.enforce(`user:${networkId}:${input.username.toLowerCase()}`, 'this user');
    const result = await register({ db: deps.db, services: deps.services }, networkId, input);
    return reply.type('application/json').send(JSON.stringify(result));
  });

  // A person turns an invitation down (GetUsersCount's `rejected`).
  app.post('/client/v1/networks/:networkId/decline', async (req, reply) => {
    deps.perAddress.enforce(`addr:${req.ip}`, `registrations from ${req.ip}`);
    const networkId = networkIdOf(req);
    const input = parseDecline(jsonBody(req));
    deps.perUser.enforce(`user:${networkId}:${input.username.toLowerCase()}`, 'this user');
    const result = await decline({ db: deps.db, services: deps.services }, networkId, input);
    return reply.type('application/json').send(JSON.stringify(result));
  });

  // Bots sign in with their challenge (password); the first success activates the bot.
  // Its own per-address bucket, so bots and people registering do not starve each other.
  app.post('/client/v1/networks/:networkId/bots/login', async (req, reply) => {
    deps.perAddress.enforce(`bot-addr:${req.ip}`, `bot sign-ins from ${req.ip}`);
    const networkId = networkIdOf(req);
    const input = parseBotLogin(jsonBody(req));
    deps.perUser.enforce(`bot:${networkId}:${input.username.toLowerCase()}`, 'this bot');
    const result = await botLogin({ db: deps.db, services: deps.services }, networkId, input);
    return reply.type('application/json').send(JSON.stringify(result));
  });

  // A federated network reports that one of its people (a guest here) talked to this network's
  // users: counted per billing period; blocked guests are refused. Own per-address bucket.
  app.post('/client/v1/networks/:networkId/guest-activity', async (req, reply) => {
    deps.perAddress.enforce(`guest-addr:${req.ip}`, `guest activity from ${req.ip}`);
    const networkId = networkIdOf(req);
    const input = parseGuestActivity(jsonBody(req));
    const result = await recordGuestActivity(
      { db: deps.db, services: deps.services },
      networkId,
      input.username,
    );
    return reply.type('application/json').send(JSON.stringify(result));
  });

  // Where an OIDC provider sends people back after signing in (the configured redirectUrl):
  // shows the code that the app exchanges through GetOidcInfo.
  app.get('/client/v1/networks/:networkId/sso/callback', async (req, reply) => {
    const networkId = networkIdOf(req);
    const q = req.query as Record<string, string | undefined>;
    return reply.type('application/json').send(
      JSON.stringify({
        networkId,
        code: q['code'] ?? null,
        state: q['state'] ?? null,
        ...(q['error']
          ? { error: q['error'], errorDescription: q['error_description'] ?? null }
          : {}),
        exchange: 'GetOidcInfo with code (and codeVerifier when PKCE was used)',
      }),
    );
  });

  // Where invitation links lead: tells the app (or a person) how to redeem the code.
  app.get('/client/v1/networks/:networkId/invitation', async (req, reply) => {
    const networkId = networkIdOf(req);
    const q = req.query as Record<string, string | undefined>;
    return reply.type('application/json').send(
      JSON.stringify({
        networkId,
        username: q['username'] ?? null,
        inviteCode: q['inviteCode'] ?? null,
        register: {
          method: 'POST',
          path: `/client/v1/networks/${networkId}/register`,
          body: { username: '...', inviteCode: '...', deviceName: '...', platform: '...' },
        },
      }),
    );
  });
}
