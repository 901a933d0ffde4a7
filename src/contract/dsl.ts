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

export function struct<P extends TProperties>(properties: P) {
  return Type.Object(properties);
}

export const optional = Type.Optional;

/** Binds a member to a URI label of the same name. */
export function uri<T extends TSchema>(schema: T, name?: string): T {
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

export interface OperationSpec<I extends TObject = TObject, O extends TObject = TObject> {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  input: I;
  output: O;
  errors: readonly ErrorName[];
  /** A short summary for docs and logs. */
  summary: string;
  /**
   * A non-GET operation whose handler manages its own writes, so it runs without a
   * request-long transaction (unless a client token is given): one that writes nothing, or
   * one that waits on a remote party and then writes once, atomically. On SQLite a
   * transaction holds the only connection, so a slow remote must not be awaited inside one.
   */
  outsideTransaction?: true;
}

export type InputOf<S extends OperationSpec> = Static<S['input']>;
export type OutputOf<S extends OperationSpec> = Static<S['output']>;

export function operation<I extends TObject, O extends TObject>(
  spec: OperationSpec<I, O>,
): OperationSpec<I, O> {
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
