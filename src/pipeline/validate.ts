/**
 * Input validation: each operation's input schema is compiled once by Ajv (on first use), and
 * every violation becomes one `{field, reason}` of a single ValidationError.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ANNOTATIONS, type OperationSpec } from '../contract/dsl.js';
import { validationError, type Reason } from '../contract/errors.js';
import { fieldPath } from '../contract/field-path.js';

/** The input validator's Ajv: one per pipeline, which compiles each operation's input once. */
export function inputAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    // Unknown members are ignored (and dropped, so handlers see only modelled data).
    removeAdditional: 'all',
    verbose: true,
    strict: true,
    unicodeRegExp: true,
  });
  ajv.addVocabulary([...ANNOTATIONS]);
  return ajv;
}

export function compileValidator(
  op: OperationSpec,
  ajv: Ajv = inputAjv(),
): (input: Record<string, unknown>) => void {
  // Compiled on first use: compiling every operation up front took a third of the start-up.
  let validate: ValidateFunction | undefined;
  return (input) => {
    validate ??= ajv.compile(withWireRanges(op.input) as object);
    const valid = validate(input);
    // After validation has dropped unknown members: only modelled members count.
    const nul = nulReasons(input);
    if (valid && nul.length === 0) return;
    throw validationError([...toReasons(validate.errors ?? []), ...nul]);
  };
}

/**
 * U+0000 is refused in every string, whatever its member: PostgreSQL text cannot hold it, so
 * both engines answer alike with a ValidationError naming the field. Exported for surfaces
 * that validate with their own schemas (e.g. the invitee endpoints).
 */
export function nulReasons(value: unknown, field = ''): Reason[] {
  const out: Reason[] = [];
  // Iterative: a hostile body may nest thousands of levels deep. A field's path is written
  // only when it holds a NUL (a node's parent and key until then): every request is walked.
  type Node = { v: unknown; parent: Node | undefined; key: string | number | undefined };
  const pathOf = (n: Node): string => {
    if (!n.parent) return field;
    const base = pathOf(n.parent);
    return typeof n.key === 'number' ? `${base}[${n.key}]` : base ? `${base}.${n.key}` : n.key!;
  };
  const stack: Node[] = [{ v: value, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = node.v;
    if (typeof v === 'string') {
      if (v.includes('\0')) out.push({ field: pathOf(node) || '(body)', reason: NUL_REASON });
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i] as unknown, parent: node, key: i });
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) stack.push({ v: item, parent: node, key: k });
    }
  }
  return out;
}

export const NUL_REASON = 'must not contain the NUL character (U+0000)';

const INT32 = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
const LONG = { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
/**
 * Timestamps (epoch seconds) from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z: the years an
 * ISO 8601 date and every SDK's date type (Python's datetime included) can hold.
 */
export const TIMESTAMP_RANGE = { minimum: -62_135_596_800, maximum: 253_402_300_799 };

/**
 * The model's Integer is 32-bit and its Long 64-bit: SDKs in typed languages could not read
 * a larger value back. Integers without a range of their own get their wire type's range
 * (Long: the range JSON numbers hold exactly). The contract itself stays equal to the model.
 */
function withWireRanges(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withWireRanges);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) out[k] = withWireRanges(v);
  if (s['x-kind'] === 'timestamp') {
    out['minimum'] ??= TIMESTAMP_RANGE.minimum;
    out['maximum'] ??= TIMESTAMP_RANGE.maximum;
  } else if (s['type'] === 'integer') {
    const range = s['x-kind'] === 'long' ? LONG : INT32;
    if (s['minimum'] === undefined) out['minimum'] = range.minimum;
    if (s['maximum'] === undefined) out['maximum'] = range.maximum;
  }
  return out;
}

export function toReasons(errors: ErrorObject[]): Reason[] {
  const seen = new Set<string>();
  const reasons: Reason[] = [];
  for (const e of errors) {
    const base = fieldPath(e.instancePath);
    const field =
      e.keyword === 'required'
        ? join(base, (e.params as { missingProperty: string }).missingProperty)
        : base;
    const reason = describe(e);
    const key = `${field}\n${reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    reasons.push({ field: field || '(body)', reason });
  }
  return reasons;
}

function join(base: string, member: string): string {
  return base ? `${base}.${member}` : member;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  array: 'a list',
  object: 'a structure (JSON object)',
};

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'type': {
      const t = String(p['type']);
      const timestamp = parent['x-kind'] === 'timestamp';
      return timestamp ? 'must be a timestamp in epoch seconds' : `must be ${TYPE_NAMES[t] ?? t}`;
    }
    case 'minLength':
      return `must be at least ${String(p['limit'])} character${p['limit'] === 1 ? '' : 's'} long`;
    case 'maxLength':
      return `must be at most ${String(p['limit'])} characters long`;
    case 'minItems':
      return `must contain at least ${String(p['limit'])} item${p['limit'] === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must contain at most ${String(p['limit'])} items`;
    case 'minimum':
    case 'maximum':
      if (parent['x-kind'] === 'timestamp') {
        return 'must be a timestamp between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z';
      }
      return e.keyword === 'minimum'
        ? `must be at least ${String(p['limit'])}`
        : `must be at most ${String(p['limit'])}`;
    case 'pattern':
      return `must match the pattern ${String(parent['x-pattern'] ?? p['pattern'])}`;
    case 'enum':
      return `must be one of: ${(p['allowedValues'] as unknown[]).join(', ')}`;
    default:
      return e.message ?? 'is invalid';
  }
}
