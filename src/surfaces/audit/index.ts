/**
 * The signed read of the audit trail: `GET /_audit/records`, a server extension (not an
 * operation of the Wickr API, so not in the contract). Signed with SigV4 like any Admin API
 * call and checked by the same authenticator, rate limit and key policy: the key needs the
 * action `wickr:LookupAuditRecords` (`*` and `wickr:*` include it). A refused read is itself
 * audited. Filters as `wickr-admin audit list`; pages with `limit` and `nextToken`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import {
  AUDIT_READ_ACTION,
  AUDIT_READ_PATH,
  MAX_PAGE,
  auditPosition,
  listAuditPage,
  parseTime,
  type AuditFilter,
} from '../../audit/list.js';
import { claimedKey, recordAudit } from '../../audit/record.js';
import type { Authenticator } from '../../auth/authenticator.js';
import { authorize } from '../../auth/policy.js';
import { ApiError, validationError, type Reason } from '../../contract/errors.js';
import type { Principal } from '../../domain/context.js';
import type { RateLimiter } from '../../pipeline/rate-limit.js';
import type { Database } from '../../store/schema.js';

const DEFAULT_PAGE = 100;

export interface AuditReadDeps {
  db: Kysely<Database>;
  authenticator: Authenticator;
  limiter: RateLimiter;
  now: () => number;
}

type Query = Record<string, string | string[] | undefined>;

/** The filter a query asks for, or ValidationError naming each bad member. */
function filterOf(q: Query, now: number): AuditFilter & { limit: number } {
  const reasons: Reason[] = [];
  const one = (name: string): string | undefined => {
    const v = q[name];
    if (Array.isArray(v)) {
      reasons.push({ field: name, reason: 'must be given once' });
      return undefined;
    }
    return v === '' ? undefined : v;
  };
  const time = (name: string): number | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    try {
      return parseTime(v, now);
    } catch (e) {
      reasons.push({ field: name, reason: (e as Error).message });
      return undefined;
    }
  };
  const network = one('network');
  if (network !== undefined && !/^\d{8}$/.test(network))
    reasons.push({ field: 'network', reason: 'must be 8 digits' });
  const operation = one('operation');
  const key = one('key');
  const since = time('since');
  const until = time('until');
  const limitText = one('limit');
  const limit = limitText === undefined ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    reasons.push({ field: 'limit', reason: `must be a whole number from 1 to ${MAX_PAGE}` });
  const token = one('nextToken');
  const after = token === undefined ? undefined : auditPosition(token);
  if (token !== undefined && !after)
    reasons.push({ field: 'nextToken', reason: 'is not a token this endpoint returned' });
  if (reasons.length > 0) throw validationError(reasons);
  return {
    limit,
    ...(network ? { networkId: network } : {}),
    ...(operation ? { operation } : {}),
    ...(key ? { accessKeyId: key } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(after ? { after } : {}),
  };
}

export async function auditReadPlugin(app: FastifyInstance, deps: AuditReadDeps): Promise<void> {
  const refused = async (req: FastifyRequest, e: unknown, principal?: Principal) => {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) return;
    const ua = req.headers['user-agent'];
    await recordAudit(deps.db, {
      at: deps.now(),
      source: 'admin-api',
      operation: AUDIT_READ_ACTION,
      outcome: 'refused',
      status: e.status,
      requestId: req.id,
      sourceIp: req.ip,
      ...(typeof ua === 'string' ? { userAgent: ua } : {}),
      ...(principal
        ? {
            accessKeyId: principal.accessKeyId,
            accountId: principal.accountId,
            region: principal.region,
          }
        : claimedKey(req.headers.authorization)),
      errorName: e.errorName,
      errorMessage: e.message,
    });
  };

  app.get(AUDIT_READ_PATH, async (req, reply) => {
    let principal: Principal | undefined;
    let filter: AuditFilter & { limit: number };
    try {
      principal = await deps.authenticator.authenticate({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: (req.body as Buffer | undefined) ?? Buffer.alloc(0),
      });
      deps.limiter.enforce(principal.accessKeyId, `access key ${principal.accessKeyId}`);
      filter = filterOf(req.query as Query, deps.now());
      authorize(principal, AUDIT_READ_ACTION, filter.networkId);
    } catch (e) {
      await refused(req, e, principal);
      throw e;
    }
    const page = await listAuditPage(deps.db, {
      ...filter,
      scope: {
        accountId: principal.accountId,
        ...(principal.networks ? { networks: principal.networks } : {}),
      },
    });
    return reply.type('application/json').send(JSON.stringify(page));
  });
}
