/**
 * LookupEvents (contract/extensions/cloudtrail.ts): the audit trail read as CloudTrail events,
 * newest first, one lookup attribute a call (AWS's rule), StartTime and EndTime inclusive,
 * pages of at most 50 with a tamper-evident NextToken bound to the call's own filters. A key
 * reads what its account's keys may read of the trail (audit/list.ts's scope): its account's
 * events and those of no account naming its networks or none; a key limited to networks,
 * only theirs.
 */
import { ApiError } from '../../contract/errors.js';
import {
  MAX_LOOKUP_RESULTS,
  type LookupAttributeKey,
} from '../../contract/extensions/cloudtrail.js';
import type { Handler } from '../../domain/context.js';
import {
  CLOUDTRAIL_OPERATIONS,
  CLOUDTRAIL_SOURCE,
  EVENT_NAMES,
  EVENT_SOURCE,
  NETWORK_RESOURCE_TYPE,
  READ_ONLY_OPERATIONS,
  SIGNIN_SOURCE,
  cloudTrailEventOf,
  eventIdOf,
  eventNameOf,
  eventSourceOf,
  lookupResourcesOf,
  operationOfEventName,
} from '../../audit/cloudtrail.js';
import { listAudit, type AuditFilter } from '../../audit/list.js';

/** The rows of a record of an earlier release, whose event ID is made from its row ID. */
const DERIVED_ID = /^00000000-0000-4000-8000-([0-9a-f]{12})$/;

/** What one attribute selects, as a filter of the trail (undefined: nothing can match). */
function attributeFilter(key: LookupAttributeKey, value: string): AuditFilter | undefined {
  switch (key) {
    case 'EventId': {
      const derived = DERIVED_ID.exec(value);
      return derived ? { id: parseInt(derived[1]!, 16) } : { eventId: value };
    }
    case 'EventName':
      return { operation: operationOfEventName(value) };
    case 'ReadOnly':
      if (value !== 'true' && value !== 'false') {
        throw new ApiError(
          'InvalidLookupAttributesException',
          'The ReadOnly attribute takes "true" or "false".',
        );
      }
      return {
        operations:
          value === 'true' ? { in: READ_ONLY_OPERATIONS } : { notIn: READ_ONLY_OPERATIONS },
      };
    case 'Username':
      return { userName: value };
    case 'AccessKeyId':
      return { accessKeyId: value };
    case 'ResourceType':
      return value === NETWORK_RESOURCE_TYPE ? { hasNetwork: true } : undefined;
    case 'ResourceName':
      return { networkId: value };
    case 'EventSource': {
      const special = [...CLOUDTRAIL_OPERATIONS, ...Object.keys(EVENT_NAMES)];
      if (value === EVENT_SOURCE) return { operations: { notIn: special } };
      const ops = special.filter((o) => eventSourceOf(o) === value);
      return value === CLOUDTRAIL_SOURCE || value === SIGNIN_SOURCE
        ? { operations: { in: ops } }
        : undefined;
    }
  }
}

const invalidToken = () =>
  new ApiError(
    'InvalidNextTokenException',
    "The NextToken is not one this call returned, or the call's parameters changed.",
  );

export const LookupEvents: Handler<'LookupEvents'> = async (ctx, input) => {
  const attributes = input.LookupAttributes ?? [];
  if (attributes.length > 1) {
    throw new ApiError(
      'InvalidLookupAttributesException',
      'LookupAttributes can contain only one item.',
    );
  }
  if (input.EventCategory !== undefined) {
    // Insights events are not recorded here: a lookup of them finds none.
    return { Events: [] };
  }
  const start = input.StartTime === undefined ? undefined : Math.ceil(input.StartTime * 1000);
  const end = input.EndTime === undefined ? undefined : Math.floor(input.EndTime * 1000);
  if (start !== undefined && end !== undefined && start > end) {
    throw new ApiError('InvalidTimeRangeException', 'StartTime is after EndTime.');
  }
  const attribute = attributes[0];
  const selected = attribute
    ? attributeFilter(attribute.AttributeKey, attribute.AttributeValue)
    : {};
  const limit = input.MaxResults ?? MAX_LOOKUP_RESULTS;
  const p = ctx.principal;
  // The token is bound to the call's filters and to the caller's account.
  const scope = JSON.stringify([
    'LookupEvents',
    p.accountId,
    attribute?.AttributeKey ?? null,
    attribute?.AttributeValue ?? null,
    start ?? null,
    end ?? null,
  ]);
  let after: { at: number; id: number } | undefined;
  if (input.NextToken !== undefined) {
    let position;
    try {
      position = ctx.services.pager.decode(scope, input.NextToken);
    } catch {
      throw invalidToken();
    }
    const [at, id] = position ?? [];
    if (typeof at !== 'number' || typeof id !== 'number') throw invalidToken();
    after = { at, id };
  }
  if (!selected) return { Events: [] };
  const records = await listAudit(ctx.db, {
    ...selected,
    limit: limit + 1,
    ...(start !== undefined ? { since: start } : {}),
    ...(end !== undefined ? { until: end + 1 } : {}),
    ...(after ? { after } : {}),
    scope: { accountId: p.accountId, ...(p.networks ? { networks: p.networks } : {}) },
  });
  const page = records.slice(0, limit);
  const last = page[page.length - 1];
  // Records of no account that the scope lets this key read are its account's.
  const account = p.accountId;
  return {
    Events: page.map((r) => ({
      EventId: eventIdOf(r),
      EventName: eventNameOf(r.operation),
      ReadOnly: String(READ_ONLY_OPERATIONS.includes(r.operation)),
      ...(r.accessKeyId ? { AccessKeyId: r.accessKeyId } : {}),
      EventTime: Date.parse(r.time) / 1000,
      EventSource: eventSourceOf(r.operation),
      ...(r.userName ? { Username: r.userName } : {}),
      Resources: lookupResourcesOf(r),
      CloudTrailEvent: JSON.stringify(cloudTrailEventOf(r, account)),
    })),
    ...(records.length > limit && last
      ? { NextToken: ctx.services.pager.encode(scope, [Date.parse(last.time), last.id]) }
      : {}),
  };
};
