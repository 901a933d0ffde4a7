/**
 * An audit record as a CloudTrail event (eventVersion 1.11, the current one), for LookupEvents,
 * the webhooks (inside an EventBridge event) and the log files. Rendered when read, from what
 * the record stores: the operation's own request and response members, with what the contract
 * marks sensitive masked as CloudTrail masks it.
 *
 * Where a request came from (docs/audit.md):
 * - a signed Admin API call: `userIdentity.type` `IAMUser` (`Root` for an account-level key,
 *   owner "root"), the key and its owner's name;
 * - the console: the same identity (a session is signed in with a key), with
 *   `sessionContext.attributes` and `sessionCredentialFromConsole: "true"`, as AWS marks console
 *   calls; its sign-in is an `AwsConsoleSignIn` event named `ConsoleLogin` from
 *   `signin.amazonaws.com`, with `responseElements.ConsoleLogin` Success or Failure;
 * - an invitee's request (registration, decline, the invitation pages): `userIdentity.type`
 *   `Unknown` with `invokedBy` `invitee.wickr.local` (no AWS identity made it);
 * - any other surface (SCIM): `invokedBy` `<source>.wickr.local`;
 * - an unsigned or badly signed request: `Unknown`, with the key it claimed.
 */
import type { TSchema } from '@sinclair/typebox';
import { allOperations } from '../contract/index.js';
import { maskSensitive } from '../contract/sensitive.js';
import type { OperationSpec } from '../contract/dsl.js';
import type { AuditRecord } from './list.js';

export const EVENT_VERSION = '1.11';
export const EVENT_SOURCE = 'wickr.amazonaws.com';
export const CLOUDTRAIL_SOURCE = 'cloudtrail.amazonaws.com';
export const SIGNIN_SOURCE = 'signin.amazonaws.com';
/** What CloudTrail writes in place of a secret. */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';
export const NETWORK_RESOURCE_TYPE = 'AWS::Wickr::Network';
export const DEFAULT_REGION = 'us-east-1';

/** Operations whose events are named otherwise than the operation (the console's sign-in). */
export const EVENT_NAMES: Readonly<Record<string, string>> = { SignIn: 'ConsoleLogin' };
/** The operations CloudTrail's own API serves (their events come from cloudtrail.amazonaws.com). */
export const CLOUDTRAIL_OPERATIONS: ReadonlySet<string> = new Set(['LookupEvents']);

const specs = new Map<string, OperationSpec>(allOperations.map((o) => [o.name, o]));

export const eventNameOf = (operation: string): string => EVENT_NAMES[operation] ?? operation;
/** The operation an event name stands for. */
export const operationOfEventName = (name: string): string =>
  Object.entries(EVENT_NAMES).find(([, e]) => e === name)?.[0] ?? name;

export function eventSourceOf(operation: string): string {
  if (CLOUDTRAIL_OPERATIONS.has(operation)) return CLOUDTRAIL_SOURCE;
  if (operation in EVENT_NAMES) return SIGNIN_SOURCE;
  return EVENT_SOURCE;
}

/** Whether an operation changes nothing (the event's `readOnly`). */
export const isReadOnly = (operation: string): boolean => specs.get(operation)?.readonly === true;

/** The operations that change nothing, and those that do (LookupEvents' ReadOnly attribute). */
export const READ_ONLY_OPERATIONS = allOperations.filter((o) => o.readonly).map((o) => o.name);

export interface Resource {
  ARN: string;
  accountId: string;
  type: string;
}

export interface CloudTrailEvent {
  eventVersion: string;
  userIdentity: Record<string, unknown>;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string | null;
  userAgent: string | null;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: unknown;
  responseElements: unknown;
  additionalEventData?: Record<string, unknown>;
  requestID: string | null;
  eventID: string;
  readOnly: boolean;
  resources?: Resource[];
  eventType: 'AwsApiCall' | 'AwsConsoleSignIn';
  managementEvent: true;
  recipientAccountId: string;
  eventCategory: 'Management';
  sessionCredentialFromConsole?: 'true';
}

/**
 * The event ID of a record: the one stored with it, or, for a record of a release before it
 * stored one, a UUID-shaped ID made from its request ID or row ID (stable across reads).
 */
export function eventIdOf(r: Pick<AuditRecord, 'eventId' | 'id'>): string {
  if (r.eventId) return r.eventId;
  const hex = r.id.toString(16).padStart(12, '0').slice(-12);
  return `00000000-0000-4000-8000-${hex}`;
}

/** `2025-01-02T03:04:05Z`, as CloudTrail writes times (seconds). */
export const eventTimeOf = (iso: string): string => `${iso.slice(0, 19)}Z`;

/** The masked copy of `value` against `schema` (a member the contract marks sensitive). */
const hidden = (schema: TSchema | undefined, value: unknown): unknown =>
  value === null || value === undefined ? null : maskSensitive(schema, value, HIDDEN);

function identityOf(r: AuditRecord, account: string): Record<string, unknown> {
  const via = r.source === 'admin-api' || r.source === 'console' ? undefined : r.source;
  if (!r.accountId || !r.accessKeyId) {
    // No key proved who sent it: an invitee, another surface, or a refused signature.
    return {
      type: 'Unknown',
      ...(r.accessKeyId ? { accessKeyId: r.accessKeyId } : {}),
      ...(via ? { invokedBy: `${via}.wickr.local` } : {}),
    };
  }
  const root = r.userName === 'root' || r.userName === null;
  const identity: Record<string, unknown> = {
    type: root ? 'Root' : 'IAMUser',
    principalId: root ? r.accountId : r.accessKeyId,
    arn: root
      ? `arn:aws:iam::${r.accountId}:root`
      : `arn:aws:iam::${r.accountId}:user/${r.userName}`,
    accountId: r.accountId ?? account,
    accessKeyId: r.accessKeyId,
    ...(r.userName ? { userName: r.userName } : {}),
  };
  if (r.source === 'console') {
    identity['sessionContext'] = {
      attributes: { creationDate: eventTimeOf(r.time), mfaAuthenticated: 'false' },
    };
  }
  if (via) identity['invokedBy'] = `${via}.wickr.local`;
  return identity;
}

/** The event of one audit record; `account` is the server's account (WICKR_ACCOUNT_ID). */
export function cloudTrailEventOf(r: AuditRecord, account: string): CloudTrailEvent {
  const spec = specs.get(r.operation);
  const region = r.region ?? DEFAULT_REGION;
  const recipient = r.accountId ?? account;
  const signIn = r.operation in EVENT_NAMES;
  const refused = r.outcome !== 'success';
  const event: CloudTrailEvent = {
    eventVersion: EVENT_VERSION,
    userIdentity: identityOf(r, account),
    eventTime: eventTimeOf(r.time),
    eventSource: eventSourceOf(r.operation),
    eventName: eventNameOf(r.operation),
    awsRegion: region,
    sourceIPAddress: r.sourceIp,
    userAgent: r.userAgent,
    ...(refused ? { errorCode: r.errorName ?? 'Error', errorMessage: r.errorMessage ?? '' } : {}),
    requestParameters: hidden(spec?.input, r.parameters),
    responseElements: signIn
      ? { ConsoleLogin: refused ? 'Failure' : 'Success' }
      : refused
        ? null
        : hidden(spec?.output, r.response),
    requestID: r.requestId,
    eventID: eventIdOf(r),
    readOnly: spec?.readonly === true,
    eventType: signIn ? 'AwsConsoleSignIn' : 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: recipient,
    eventCategory: 'Management',
  };
  if (r.repeats > 0) event.additionalEventData = { repeats: r.repeats };
  if (r.networkId) {
    event.resources = [
      {
        ARN: `arn:aws:wickr:${region}:${recipient}:network/${r.networkId}`,
        accountId: recipient,
        type: NETWORK_RESOURCE_TYPE,
      },
    ];
  }
  if (r.source === 'console') event.sessionCredentialFromConsole = 'true';
  return event;
}

/** The Resources of a LookupEvents event. */
export const lookupResourcesOf = (
  r: AuditRecord,
): { ResourceType: string; ResourceName: string }[] =>
  r.networkId ? [{ ResourceType: NETWORK_RESOURCE_TYPE, ResourceName: r.networkId }] : [];
