/**
 * Health endpoints for load balancers and orchestrators (docs/operations.md#health), unsigned:
 *
 * - `GET /health/live`: the process answers (restart it if not).
 * - `GET /health/ready`: send it requests: 200, or 503 with a JSON reason while the database
 *   cannot take writes or the server drains for a shutdown (and, before the server proper
 *   listens, while it migrates its database: starting.ts).
 * - `GET /health`: as `/health/ready`, answering `{"status":"ok"}` when ready, as it always did.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Readiness, ReadinessCheck } from './readiness.js';

export interface HealthPluginOptions {
  readiness: ReadinessCheck;
}

const json = (reply: FastifyReply, status: number, body: unknown) =>
  reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('application/json')
    .send(JSON.stringify(body));

/** The answer to a readiness check; `ok` is what a ready server says (`ready` or `ok`). */
export const readinessAnswer = (r: Readiness, ok: string) =>
  r.ready
    ? { status: 200, body: { status: ok } }
    : { status: 503, body: { status: 'not ready', reason: r.reason } };

export async function healthPlugin(app: FastifyInstance, opts: HealthPluginOptions) {
  const { readiness } = opts;
  app.get('/health/live', async (_req, reply) => json(reply, 200, { status: 'live' }));
  const ready = (ok: string) => async (_req: unknown, reply: FastifyReply) => {
    const answer = readinessAnswer(await readiness.check(), ok);
    return json(reply, answer.status, answer.body);
  };
  app.get('/health/ready', ready('ready'));
  app.get('/health', ready('ok'));
}
