/**
 * CloudTrail's own API on this server (2013-11-01, JSON 1.1): `LookupEvents`, so that
 * `boto3.client("cloudtrail", endpoint_url=...)` and `aws cloudtrail lookup-events` read the
 * audit trail unchanged. Written by hand from CloudTrail's published model (its shapes,
 * bounds and errors), as the Wickr API's operations are; served by the cloudtrail protocol
 * (`POST /` with `X-Amz-Target`, surfaces/cloudtrail/protocol.ts), signed with SigV4 for the
 * `cloudtrail` service with the server's access keys. The key needs `cloudtrail:LookupEvents`
 * (`*` includes it; `wickr:*` does not).
 */
import { enumOf, int, list, operation, optional, str, struct, timestamp } from '../dsl.js';

/** CloudTrail's lookup attributes (LookupAttributeKey). */
export const LOOKUP_ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;
export type LookupAttributeKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];

/** Events a page holds at most, and by default (MaxResults). */
export const MAX_LOOKUP_RESULTS = 50;

const Text = str();

export const CloudTrailEventItem = struct({
  EventId: Text,
  EventName: Text,
  ReadOnly: Text,
  AccessKeyId: optional(Text),
  EventTime: timestamp(),
  EventSource: Text,
  Username: optional(Text),
  Resources: list(struct({ ResourceType: Text, ResourceName: Text })),
  /** The whole event as JSON text (audit/cloudtrail.ts). */
  CloudTrailEvent: Text,
});

export const LookupEvents = operation({
  name: 'LookupEvents',
  summary: "Looks up the audit trail's events, newest first, as CloudTrail events.",
  method: 'POST',
  path: '/',
  readonly: true,
  protocol: 'cloudtrail',
  // CloudTrail's SigV4 (service `cloudtrail`); the console may call it by name too.
  auth: ['sigv4-cloudtrail', 'console'],
  action: 'cloudtrail:LookupEvents',
  // CloudTrail states authentication and authorization refusals as 400s (AccessDenied...,
  // InvalidSignature...): audit every refusal, not only those answered 401 and 403.
  auditRefusals: 'all',
  input: struct({
    /** Currently one attribute a call, as on AWS (checked by the handler). */
    LookupAttributes: optional(
      list(
        struct({
          AttributeKey: enumOf(LOOKUP_ATTRIBUTE_KEYS),
          AttributeValue: str({ min: 1, max: 2000 }),
        }),
      ),
    ),
    /** Epoch seconds; inclusive. */
    StartTime: optional(timestamp()),
    EndTime: optional(timestamp()),
    EventCategory: optional(enumOf(['insight'] as const)),
    MaxResults: optional(int({ min: 1, max: MAX_LOOKUP_RESULTS })),
    NextToken: optional(str({ min: 1, max: 1024 })),
  }),
  output: struct({
    Events: list(CloudTrailEventItem),
    NextToken: optional(Text),
  }),
  errors: ['ValidationError', 'UnauthorizedError', 'ForbiddenError', 'InternalServerError'],
});

export const operations = { LookupEvents };
