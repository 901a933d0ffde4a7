/** GET /metrics: the Prometheus text format, behind a bearer token when one is configured. */
import type { FastifyInstance } from 'fastify';
import { requireBearer } from '../bearer.js';
import type { ServerMetrics } from './metrics.js';

export async function metricsPlugin(
  app: FastifyInstance,
  opts: { metrics: ServerMetrics; token?: string },
) {
  const { metrics, token } = opts;
  app.get('/metrics', async (req, reply) => {
    if (token) requireBearer(req, token, 'Metrics');
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
