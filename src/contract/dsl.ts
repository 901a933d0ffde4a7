/**
 * The small vocabulary the contract is written in. Every shape is a TypeBox schema (so Ajv
 * can validate it and TypeScript can infer handler types from it) carrying a few `x-`
 * annotations for what JSON Schema cannot say: where a member travels on the wire, its wire
 * name, whether it is an idempotency token, and the model's own scalar kind.
 */
import { Type, type TSchema, type TObject, type TProperties, type Static } from '@sinclair/typebox';
import type { ErrorName } from './errors.js';

export type Location = 'uri' | 'querystring' | 'header';
export type ScalarKind = 'long' | 'timestamp';

/** Extra keywords the contract puts on schemas; Ajv is told about them as a vocabulary. */
export const ANNOTATIONS = [
  'x-location',
  'x-name',
  'x-idempotency',
  'x-sensitive',
  'x-kind',
  'x-pattern',
  'x-documented',
  'x-preserialized',
] as const;

export interface StringOptions {
  min?: number;
  max?: number;
  /** The model's pattern, verbatim. It is matched against the whole value. */
  pattern?: string;
  sensitive?: boolean;
}

/** A string shape. Patterns are anchored: the model's IDs are whole-value patterns. */
export function str(o: StringOptions = {}) {
  return Type.String({
    ...(o.min !== undefined ? { minLength: o.min } : {}),
    ...(o.max !== undefined ? { maxLength: o.max } : {}),
    ...(o.pattern !== undefined ? { pattern: `^(?:${o.pattern})$`, 'x-pattern': o.pattern } : {}),
    ...(o.sensitive ? { 'x-sensitive': true } : {}),
  });
}

export function int(o: { min?: number; max?: number } = {}) {
  return Type.Integer({
    ...(o.min !== undefined ? { minimum: o.min } : {}),
    ...(o.max !== undefined ? { maximum: o.max } : {}),
  });
}

export function long() {
  return Type.Integer({ 'x-kind': 'long' });
}

export function bool() {
  return Type.Boolean();
}

/** Epoch seconds on the wire (the model's unixTimestamp format). */
export function timestamp() {
  return Type.Number({ 'x-kind': 'timestamp' });
}

export function enumOf<const T extends readonly string[]>(values: T) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
}

export function list<T extends TSchema>(
  member: T,
  o: { min?: number; max?: number; documented?: boolean } = {},
) {
  return Type.Array(member, {
    ...(o.min !== undefined ? { minItems: o.min } : {}),
    ...(o.max !== undefined ? { maxItems: o.max } : {}),
    // Limits stated only in the model's documentation (not as model constraints).
    ...(o.documented ? { 'x-documented': true } : {}),
  });
}

/** A value or JSON null (the server's own extensions answer null for an absent value). */
export function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** Any JSON value (an audit record's parameters). */
export function anyJson() {
  return Type.Unknown();
}

export function struct<P extends TProperties>(properties: P) {
  return Type.Object(properties);
}

export function optional<T extends TSchema>(schema: T) {
  return Type.Optional(schema);
}

/** Binds a member to a URI label of the same name. */
export function uri<T extends TSchema>(schema: T, name?: string): T & { 'x-location': 'uri' } {
  return { ...schema, 'x-location': 'uri', ...(name ? { 'x-name': name } : {}) };
}

/** Binds a member to a query-string parameter. */
export function query<T extends TSchema>(schema: T, name: string): T {
  return { ...schema, 'x-location': 'querystring', 'x-name': name };
}

/** Binds a member to an HTTP header. */
export function header<T extends TSchema>(schema: T, name: string): T {
  return { ...schema, 'x-location': 'header', 'x-name': name };
}

/** Marks the member as the operation's idempotency token. */
export function idempotency<T extends TSchema>(schema: T): T {
  return { ...schema, 'x-idempotency': true };
}

/**
 * How a request proves who sent it (the pipeline's authenticate step): AWS Signature Version 4,
 * the web console's session (cookie and CSRF token), a SCIM bearer token made for one network
 * (`scim`), or nothing (the invitee endpoints); `sigv4-cloudtrail` is SigV4 scoped to the
 * `cloudtrail` service (LookupEvents). Each protocol of the HTTP adapter names the scheme it
 * speaks; an operation lists those it accepts.
 */
export type AuthScheme = 'sigv4' | 'sigv4-cloudtrail' | 'console' | 'scim' | 'none';

/**
 * The limiters the server configures (pipeline/limits.ts): token buckets per access key, per
 * source address and per invitee (a username or bot of a network), and the console's sign-in
 * lockouts per address (`sign-in`) and per access key (`sign-in-key`).
 */
export type LimiterName = 'access-key' | 'address' | 'invitee' | 'sign-in' | 'sign-in-key';

/** One rate limit an operation's requests are counted against. */
export interface LimitRule {
  limiter: LimiterName;
  /**
   * What a request is counted by: its access key, its source address, or an input member
   * (with the network it names, lower-cased). Address and key limits run before the input is
   * validated (a malformed request counts too), member limits after.
   */
  per: 'access-key' | 'address' | { member: string };
  /** Separates buckets of one limiter (keys are `<bucket>:<what the request is counted by>`). */
  bucket: string;
  /** The message's subject: "Rate exceeded for <what>...". */
  what: string;
}

/**
 * What the pipeline needs to know of an operation beyond its shapes, declared beside them
 * (Smithy's traits): each step is chosen from these when the operation is compiled, never
 * from its name.
 */
export interface OperationTraits {
  /**
   * Changes nothing when it succeeds (Smithy's @readonly): no request transaction, and a
   * success is not audited.
   */
  readonly?: true;
  /**
   * A read of a secret (an invite code): a success is audited too, though readonly (no
   * request transaction; its record is written on its own after the answer is ready).
   */
  auditReads?: true;
  /**
   * The tenancy read: an operation with a `networkId` label runs on a network of the
   * caller's account and region. `network-version` reads only the network's ID and lookup
   * version (BatchLookupUserUname's hot path); the default reads its row.
   */
  tenancy?: 'network-version';
  /**
   * Waits on a remote party, so it runs outside a request-long transaction (on SQLite a
   * transaction holds the only connection) and writes once, atomically, with its audit record
   * (commitWrite).
   */
  remote?: true;
  /**
   * The handler runs its own transactions: a refused attempt commits what it counts (a wrong
   * invite code), so no request-long transaction may roll it back. A success writes its audit
   * record in the transaction of its change (ctx.record, commitWrite).
   */
  ownTransaction?: true;
  /** The authentication schemes it accepts (default: SigV4 and the console's session). */
  auth?: readonly AuthScheme[];
  /**
   * Which refusals are audited: those of authentication and authorization (401, 403; the
   * default), or every answer that is not a success (endpoints anyone may call).
   */
  auditRefusals?: 'all';
  /**
   * The IAM action the key's policy must allow (default `wickr:<name>`; one with a service
   * prefix, `cloudtrail:LookupEvents`, as it is); false for none (any authenticated caller
   * may: ending one's own console session).
   */
  action?: string | false;
  /** Rate limits (default: the caller's access key). */
  limits?: readonly LimitRule[];
  /**
   * The protocol that serves its path (default AWS restJson1): the console's JSON API under
   * /console/api/, the invitee endpoints (their own error messages and pages), SCIM 2.0
   * (application/scim+json, its own error bodies), or CloudTrail's JSON 1.1 (`POST /` with
   * X-Amz-Target).
   */
  protocol?: 'console' | 'invitee' | 'scim' | 'cloudtrail';
  /**
   * The input member naming the access key an unauthenticated request claims to be (a
   * console sign-in): the audit record of its refusal names that key.
   */
  claimsKey?: string;
}

export interface OperationSpec<
  I extends TObject = TObject,
  O extends TObject = TObject,
> extends OperationTraits {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  input: I;
  output: O;
  errors: readonly ErrorName[];
  /** A short summary for docs and logs. */
  summary: string;
}

/** The authentication schemes an operation accepts (trait `auth`; by default SigV4 and the console's). */
export function schemesOf(spec: OperationTraits): readonly AuthScheme[] {
  return spec.auth ?? ['sigv4', 'console'];
}

export type InputOf<S extends OperationSpec> = Static<S['input']>;
export type OutputOf<S extends OperationSpec> = Static<S['output']>;

/** An operation; its traits keep their literal types (handler contexts are typed by them). */
export function operation<const S extends OperationSpec<TObject, TObject>>(spec: S): S {
  return spec;
}

export const STANDARD_ERRORS = [
  'ValidationError',
  'BadRequestError',
  'ResourceNotFoundError',
  'ForbiddenError',
  'UnauthorizedError',
  'InternalServerError',
  'RateLimitError',
] as const satisfies readonly ErrorName[];
