/**
 * Unsigned endpoints used by people rather than administrators: registration with an invite
 * code, and the page an invitation link points at. Limited per source address and per user.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../domain/context.js';
import { parseRegistration, register } from '../domain/registration.js';
import { badRequest } from '../protocol/errors.js';
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
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
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
