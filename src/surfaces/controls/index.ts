/**
 * The test controls under /_wickr/ (docs/test-controls.md): reset, mail, seed and export,
 * clock, faults and the audit trail, for test suites driving this server. An encapsulated
 * Fastify plugin, registered only when the controls are on. Every route answers only requests
 * addressed to one of the server's own host names, not sent by a web page of another origin,
 * with JSON bodies (guard.ts); with a token configured every route needs it too.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseTime } from '../../audit/list.js';
import { formatFixture, MAX_FIXTURE_BYTES, parseFixture } from '../../fixtures/format.js';
import { badRequest, notFound } from '../../contract/errors.js';
import { requireBearer } from '../bearer.js';
import type { Controls, ResetOptions } from './controls.js';
import { checkAddressed, checkBodyType, FIXTURE_TYPES, JSON_TYPES } from './guard.js';

export interface ControlsPluginOptions {
  controls: Controls;
  token?: string;
  /** The host names requests must be addressed to (guard.ts `controlHosts`). */
  hosts: ReadonlySet<string>;
}

const SEED = '/_wickr/seed';

type Query = Record<string, string | undefined>;

function body(req: FastifyRequest): Record<string, unknown> {
  const raw = req.body as Buffer | undefined;
  if (!raw || raw.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw badRequest('The request body must be a JSON object.');
  return v as Record<string, unknown>;
}

const send = (reply: FastifyReply, value: unknown) =>
  reply.type('application/json').send(JSON.stringify(value));

const optString = (v: unknown, name: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${name} must be a string.`);
  return v;
};

const optBool = (v: unknown, name: string): boolean | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${name} must be true or false.`);
  return v;
};

/** A duration: milliseconds as a number, or text such as 90s, 15m, 2h, 8d. */
export function durationMs(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const m = typeof v === 'string' ? /^(-?\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v.trim()) : null;
  if (!m) throw badRequest(`${name} must be milliseconds or a duration such as 90s, 15m, 2h, 8d.`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

export function timeOf(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw badRequest(`${name} must be an ISO 8601 time or epoch milliseconds.`);
}

function limitOf(q: Query): number | undefined {
  if (q['limit'] === undefined) return undefined;
  const n = Number(q['limit']);
  if (!Number.isInteger(n) || n < 1) throw badRequest('limit must be a positive integer.');
  return n;
}

export async function controlsPlugin(app: FastifyInstance, opts: ControlsPluginOptions) {
  const { controls, token, hosts } = opts;
  app.addHook('onRequest', async (req) => {
    checkAddressed(req, hosts);
    if (token) requireBearer(req, token, 'The test controls');
    checkBodyType(req, req.routeOptions.url === SEED ? FIXTURE_TYPES : JSON_TYPES);
  });

  app.post('/_wickr/reset', async (req, reply) => {
    const b = body(req);
    const options: ResetOptions = {};
    const accountId = optString(b['accountId'], 'accountId');
    const networkId = optString(b['networkId'], 'networkId');
    const keys = optBool(b['keys'], 'keys');
    const audit = optBool(b['audit'], 'audit');
    if (accountId !== undefined) options.accountId = accountId;
    if (networkId !== undefined) options.networkId = networkId;
    if (keys !== undefined) options.keys = keys;
    if (audit !== undefined) options.audit = audit;
    return send(reply, await controls.reset(options));
  });

  app.get('/_wickr/mail', async (req, reply) => {
    const q = req.query as Query;
    const limit = limitOf(q);
    const messages = await controls.mail({
      ...(q['networkId'] ? { networkId: q['networkId'] } : {}),
      ...(q['recipient'] ? { recipient: q['recipient'] } : {}),
      ...(q['status'] ? { status: q['status'] } : {}),
      ...(limit ? { limit } : {}),
    });
    return send(reply, { messages });
  });

  app.delete('/_wickr/mail', async (req, reply) => {
    const q = req.query as Query;
    const deleted = await controls.clearMail({
      ...(q['networkId'] ? { networkId: q['networkId'] } : {}),
      ...(q['recipient'] ? { recipient: q['recipient'] } : {}),
    });
    return send(reply, { deleted });
  });

  app.post(SEED, { bodyLimit: MAX_FIXTURE_BYTES }, async (req, reply) => {
    const q = req.query as Query;
    const raw = (req.body as Buffer | undefined)?.toString('utf8') ?? '';
    let doc;
    try {
      doc = parseFixture(raw);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
    const replace = q['replace'] === 'true' || q['replace'] === '1';
    try {
      return send(reply, await controls.seed(doc, { replace }));
    } catch (e) {
      // The seeder's refusals (a network that exists, an unknown group) are the caller's.
      if (e instanceof Error && e.constructor === Error) throw badRequest(e.message);
      throw e;
    }
  });

  app.get('/_wickr/export', async (req, reply) => {
    const q = req.query as Query;
    const format = q['format'] ?? 'json';
    if (format !== 'json' && format !== 'yaml') throw badRequest('format must be json or yaml.');
    const networkIds = (q['network'] ?? q['networkId'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const doc = await controls.export({
      networkIds,
      ...(q['accountId'] ? { accountId: q['accountId'] } : {}),
    });
    return reply
      .type(format === 'json' ? 'application/json' : 'application/yaml')
      .send(formatFixture(doc, format));
  });

  app.get('/_wickr/clock', async (_req, reply) => send(reply, controls.clock.state()));

  app.post('/_wickr/clock', async (req, reply) => {
    const b = body(req);
    const clock = controls.clock;
    if (b['set'] !== undefined && b['advance'] !== undefined)
      throw badRequest('Give set or advance, not both.');
    const freeze = optBool(b['freeze'], 'freeze');
    const signatures = optBool(b['signatures'], 'signatures');
    if (b['set'] !== undefined) clock.set(timeOf(b['set'], 'set'));
    if (b['advance'] !== undefined) clock.advance(durationMs(b['advance'], 'advance'));
    if (freeze !== undefined) clock.freeze(freeze);
    if (signatures !== undefined) clock.signatures(signatures);
    return send(reply, clock.state());
  });

  app.delete('/_wickr/clock', async (_req, reply) => {
    controls.clock.reset();
    return send(reply, controls.clock.state());
  });

  app.get('/_wickr/faults', async (_req, reply) => send(reply, { rules: controls.faults.list() }));

  app.post('/_wickr/faults', async (req, reply) => {
    const rule = controls.addFault(body(req));
    return send(reply, rule);
  });

  app.delete('/_wickr/faults', async (_req, reply) => {
    controls.faults.remove();
    return send(reply, { rules: [] });
  });

  app.delete('/_wickr/faults/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!controls.faults.remove(id)) throw notFound(`There is no fault rule ${id}.`);
    return send(reply, { rules: controls.faults.list() });
  });

  app.get('/_wickr/audit', async (req, reply) => {
    const q = req.query as Query;
    const now = controls.clock.now();
    const at = (v: string | undefined, name: string) => {
      if (v === undefined) return undefined;
      try {
        return parseTime(v, now);
      } catch (e) {
        throw badRequest(`${name}: ${(e as Error).message}`);
      }
    };
    const since = at(q['since'], 'since');
    const until = at(q['until'], 'until');
    const limit = limitOf(q);
    const records = await controls.audit({
      ...(q['network'] ? { networkId: q['network'] } : {}),
      ...(q['operation'] ? { operation: q['operation'] } : {}),
      ...(q['key'] ? { accessKeyId: q['key'] } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(limit ? { limit } : {}),
    });
    return send(reply, { records });
  });
}
