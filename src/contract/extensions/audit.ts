/**
 * The server's own read of its audit trail (not an operation of the Wickr API): a signed
 * `GET /_audit/records`, checked like any Admin API call. The key needs the action
 * `wickr:LookupAuditRecords` (`*` and `wickr:*` include it; `wickr:List*` does not).
 */
import {
  STANDARD_ERRORS,
  anyJson,
  enumOf,
  int,
  list,
  long,
  nullable,
  operation,
  optional,
  query,
  str,
  struct,
} from '../dsl.js';
import { GenericString, NetworkId } from '../scalars.js';

/** The audit trail's sources and outcomes (the audit writer's types are these). */
export const AUDIT_SOURCES = ['admin-api', 'console', 'invitee', 'scim'] as const;
export const AUDIT_OUTCOMES = ['success', 'refused', 'error'] as const;

/** The most records one page holds. */
export const MAX_AUDIT_PAGE = 1000;

const Text = GenericString;

export const AuditRecord = struct({
  id: long(),
  time: Text,
  source: Text,
  requestId: nullable(Text),
  accessKeyId: nullable(Text),
  accountId: nullable(Text),
  region: nullable(Text),
  sourceIp: nullable(Text),
  userAgent: nullable(Text),
  operation: Text,
  networkId: nullable(Text),
  parameters: anyJson(),
  outcome: Text,
  status: int(),
  errorName: nullable(Text),
  errorMessage: nullable(Text),
  /** Repeats of this refusal from its address within its minute, folded into it. */
  repeats: int(),
  /** The CloudTrail event ID (audit/cloudtrail.ts). */
  eventId: Text,
  /** The key owner's name. */
  userName: nullable(Text),
  /** The record as a CloudTrail event, JSON text (what LookupEvents answers; the console's Audit page shows it). */
  cloudTrailEvent: Text,
});

export const LookupAuditRecords = operation({
  name: 'LookupAuditRecords',
  summary: 'Reads the audit trail, newest first, a page at a time.',
  method: 'GET',
  readonly: true,
  path: '/_audit/records',
  input: struct({
    // The same filters as `wickr-admin audit list`.
    networkId: optional(query(NetworkId, 'network')),
    operation: optional(query(str({ min: 1, max: 128 }), 'operation')),
    accessKeyId: optional(query(str({ min: 1, max: 128 }), 'key')),
    /** Where the request came from: the signed API, the console, an invitee's page. */
    source: optional(query(enumOf(AUDIT_SOURCES), 'source')),
    outcome: optional(query(enumOf(AUDIT_OUTCOMES), 'outcome')),
    /** ISO 8601, epoch milliseconds, or an age such as 15m, 2h, 7d. */
    since: optional(query(str({ min: 1, max: 64 }), 'since')),
    until: optional(query(str({ min: 1, max: 64 }), 'until')),
    limit: optional(query(int({ min: 1, max: MAX_AUDIT_PAGE }), 'limit')),
    nextToken: optional(query(str({ min: 1, max: 256 }), 'nextToken')),
  }),
  output: struct({
    records: list(AuditRecord),
    nextToken: optional(GenericString),
  }),
  errors: STANDARD_ERRORS,
});

export const operations = { LookupAuditRecords };
