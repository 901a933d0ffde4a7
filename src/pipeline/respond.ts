/**
 * Responses against the operation's output shape. Every response is written by a serializer
 * compiled from the output schema (fast-json-stringify), so members the contract does not
 * declare never reach the wire; lists a handler hands over as SerializedItems were written by
 * the writer compiled from their item shape (contract/serialized.ts). With the strict check (the test suites set
 * WICKR_CHECK_RESPONSES=1), a response is first validated against its shape closed to
 * undeclared members, and any mismatch is an internal error: every response the suites
 * produce is checked.
 */
import { Ajv } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import fastJson from 'fast-json-stringify';
import { ANNOTATIONS, type OperationSpec } from '../contract/dsl.js';
import { SerializedItems } from '../contract/serialized.js';
import type { Written } from './entry.js';

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
  const props = op.output.properties as Record<string, TSchema>;
  const preserialized = Object.values(props).some((p) => p['x-preserialized'] === true);
  const answer = preserialized ? joiningWriter(op.output, props) : write;
  if (!strictAjv) return answer;
  const ajv = strictAjv;
  const check = ajv.compile(closed(op.output));
  return (output) => {
    const json = answer(output);
    const value = preserialized ? (JSON.parse(json) as unknown) : output;
    if (!check(value)) {
      throw new Error(
        `${op.name}'s response does not match its output shape: ${ajv.errorsText(check.errors)}`,
      );
    }
    // Items written ahead must be the bytes the whole output's serializer writes.
    if (preserialized && write(value) !== json) {
      throw new Error(
        `${op.name}'s joined response differs from its serializer's: ${json.slice(0, 300)} vs ${write(value).slice(0, 300)}`,
      );
    }
    return json;
  };
}

/**
 * The operation's answer writer: the body by its serializer, and output members bound to
 * headers (`header(..., 'Set-Cookie')`: the console's session cookie) as headers.
 */
export function compileWriter(op: OperationSpec, strictAjv?: Ajv): (output: unknown) => Written {
  const props = op.output.properties as Record<string, TSchema>;
  const located = Object.entries(props)
    .filter(([, p]) => p['x-location'] === 'header')
    .map(([member, p]) => ({ member, header: String(p['x-name'] ?? member).toLowerCase() }));
  if (located.length === 0) {
    const serialize = compileSerializer(op, strictAjv);
    return (output) => ({ json: serialize(output), headers: {} });
  }
  const names = new Set(located.map((l) => l.member));
  const body = Object.fromEntries(Object.entries(props).filter(([k]) => !names.has(k)));
  const required = (op.output.required ?? []).filter((k) => !names.has(k));
  const serialize = compileSerializer(
    { ...op, output: { ...op.output, properties: body, required } },
    strictAjv,
  );
  return (output) => {
    const o = { ...(output as Record<string, unknown>) };
    const headers: Record<string, string> = {};
    for (const l of located) {
      const v = o[l.member];
      if (typeof v === 'string') headers[l.header] = v;
      delete o[l.member];
    }
    return { json: serialize(o), headers };
  };
}

/**
 * The writer of an output with `preserialized` lists: its members in fast-json-stringify's
 * order (required first, then as declared), each by the writer compiled from its own shape,
 * and a list given as SerializedItems joined from its items (written by its item writer).
 */
function joiningWriter(schema: TSchema, props: Record<string, TSchema>): Serializer {
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const members = Object.keys(props)
    .sort((a, b) => Number(required.has(b)) - Number(required.has(a)))
    .map((name) => ({
      name,
      head: `${JSON.stringify(name)}:`,
      write: fastJson(props[name] as object) as Serializer,
    }));
  return (output) => {
    const o = output as Record<string, unknown>;
    let json = '{';
    for (const m of members) {
      const v = o[m.name];
      if (v === undefined) {
        if (required.has(m.name)) throw new Error(`${m.name} is required!`);
        continue;
      }
      json +=
        (json.length === 1 ? '' : ',') +
        m.head +
        (v instanceof SerializedItems ? `[${v.items.join(',')}]` : m.write(v));
    }
    return `${json}}`;
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
