/**
 * Responses against the operation's output shape. Every response is written by a serializer
 * compiled from the output schema (fast-json-stringify), so members the contract does not
 * declare never reach the wire. With the strict check (the test suites set
 * WICKR_CHECK_RESPONSES=1), a response is first validated against its shape closed to
 * undeclared members, and any mismatch is an internal error: every response the suites
 * produce is checked.
 */
import { Ajv } from 'ajv';
import fastJson from 'fast-json-stringify';
import { ANNOTATIONS, type OperationSpec } from '../contract/dsl.js';
import { Serialized } from '../domain/context.js';

export type Serializer = (output: unknown) => string;

/** The strict check's Ajv (unlike the input's, it removes nothing: it reports). */
export function responseAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, unicodeRegExp: true });
  ajv.addVocabulary([...ANNOTATIONS]);
  return ajv;
}

/** The operation's response writer; `strictAjv` (from responseAjv) turns the check on. */
export function compileSerializer(op: OperationSpec, strictAjv?: Ajv): Serializer {
  const write = fastJson(op.output as object) as Serializer;
  if (!strictAjv) return (output) => (output instanceof Serialized ? output.json : write(output));
  const ajv = strictAjv;
  const check = ajv.compile(closed(op.output));
  return (output) => {
    const value = output instanceof Serialized ? (JSON.parse(output.json) as unknown) : output;
    if (!check(value)) {
      throw new Error(
        `${op.name}'s response does not match its output shape: ${ajv.errorsText(check.errors)}`,
      );
    }
    const json = write(value);
    if (output instanceof Serialized && output.json !== json) {
      throw new Error(
        `${op.name}'s pre-serialized response differs from its serializer's: ${output.json.slice(0, 300)} vs ${json.slice(0, 300)}`,
      );
    }
    return json;
  };
}

/**
 * What a response must not get wrong, checked in tests: the schema's structure (member types,
 * required members, enums) with no object admitting members it does not declare. Value
 * constraints written for input (lengths, patterns, ranges) are left out: the model's output
 * shapes reuse input shapes, and a refused item names no ID (`userId: ""`) as AWS does.
 */
const INPUT_CONSTRAINTS = new Set([
  'pattern',
  'x-pattern',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
]);

function closed(schema: unknown): object {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema as object;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    // `properties` maps member names to schemas: a member may be called "pattern".
    if (INPUT_CONSTRAINTS.has(k) && typeof v !== 'object') continue;
    out[k] = closed(v);
  }
  if (s['type'] === 'object' && s['additionalProperties'] === undefined) {
    out['additionalProperties'] = false;
  }
  return out;
}
