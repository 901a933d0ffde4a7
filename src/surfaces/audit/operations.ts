/**
 * The handler of the signed audit read (LookupAuditRecords, contract/extensions/audit.ts):
 * the filters of `wickr-admin audit list`, pages with `limit` and `nextToken`, and only what
 * the caller's key may read (its account's records; a network-limited key, its networks').
 */
import { validationError, type Reason } from '../../contract/errors.js';
import type { Handler } from '../../domain/context.js';
import { auditPosition, listAuditPage, parseTime } from '../../audit/list.js';
import { cloudTrailEventOf, eventIdOf } from '../../audit/cloudtrail.js';

const DEFAULT_PAGE = 100;

export const LookupAuditRecords: Handler<'LookupAuditRecords'> = async (ctx, input) => {
  const reasons: Reason[] = [];
  const time = (name: 'since' | 'until'): number | undefined => {
    const v = input[name];
    if (v === undefined) return undefined;
    try {
      return parseTime(v, ctx.services.now());
    } catch (e) {
      reasons.push({ field: name, reason: (e as Error).message });
      return undefined;
    }
  };
  const since = time('since');
  const until = time('until');
  const after = input.nextToken === undefined ? undefined : auditPosition(input.nextToken);
  if (input.nextToken !== undefined && !after) {
    reasons.push({ field: 'nextToken', reason: 'is not a token this endpoint returned' });
  }
  if (reasons.length > 0) throw validationError(reasons);
  const p = ctx.principal;
  const { records, nextToken } = await listAuditPage(ctx.db, {
    limit: input.limit ?? DEFAULT_PAGE,
    ...(input.networkId ? { networkId: input.networkId } : {}),
    ...(input.operation ? { operation: input.operation } : {}),
    ...(input.accessKeyId ? { accessKeyId: input.accessKeyId } : {}),
    ...(input.source ? { source: input.source } : {}),
    ...(input.outcome ? { outcome: input.outcome } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(after ? { after } : {}),
    scope: { accountId: p.accountId, ...(p.networks ? { networks: p.networks } : {}) },
  });
  return {
    records: records.map((record) => {
      const { response: _response, ...r } = record;
      return {
        ...r,
        eventId: eventIdOf(record),
        cloudTrailEvent: JSON.stringify(cloudTrailEventOf(record, p.accountId)),
      };
    }),
    ...(nextToken ? { nextToken } : {}),
  };
};
