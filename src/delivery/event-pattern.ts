/**
 * EventBridge event patterns, the subset a webhook's filter needs (docs/audit.md): a pattern is
 * a JSON object whose leaves are arrays of matchers; an event matches when every field the
 * pattern names matches (fields of arrays in the event match when any element does), and a
 * field matches when any matcher of its array does:
 *
 *   "value" / 12 / true / null    equal to it
 *   {"prefix": "Create"}           a string starting with it
 *   {"suffix": "Network"}          a string ending with it
 *   {"anything-but": [...]}        none of those values (or {"anything-but": {"prefix": ...}})
 *   {"exists": true | false}       the field is present, or absent
 *   {"numeric": [">", 0, "<=", 5]} a number within all the comparisons
 *
 * Written here: no maintained npm package implements EventBridge's matching (AWS's own matcher,
 * event-ruler, is Java). Patterns are checked when a webhook is added (`parsePattern`).
 */

export type Pattern = { [field: string]: Pattern | readonly Matcher[] };
type Scalar = string | number | boolean | null;
type Matcher =
  | Scalar
  | { prefix: string }
  | { suffix: string }
  | { 'anything-but': Scalar | readonly Scalar[] | { prefix: string } }
  | { exists: boolean }
  | { numeric: readonly (string | number)[] };

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

const isScalar = (v: unknown): v is Scalar =>
  v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Checks a pattern given by an administrator; returns it, or throws saying what is wrong. */
export function parsePattern(text: string): Pattern {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`The event pattern is not JSON: ${(e as Error).message}`);
  }
  const check = (p: unknown, path: string): void => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) {
      throw new Error(`The event pattern at ${path || 'its top'} must be an object.`);
    }
    for (const [k, v] of Object.entries(p)) {
      const at = path ? `${path}.${k}` : k;
      if (Array.isArray(v)) {
        if (v.length === 0) throw new Error(`${at}: a list of matchers may not be empty.`);
        for (const m of v) checkMatcher(m, at);
      } else check(v, at);
    }
  };
  check(value, '');
  return value as Pattern;
}

function checkMatcher(m: unknown, at: string): void {
  if (isScalar(m)) return;
  if (!m || typeof m !== 'object' || Array.isArray(m) || Object.keys(m).length !== 1) {
    throw new Error(`${at}: ${JSON.stringify(m)} is not a matcher.`);
  }
  const [[kind, arg]] = Object.entries(m) as [[string, unknown]];
  const ok =
    ((kind === 'prefix' || kind === 'suffix') && typeof arg === 'string') ||
    (kind === 'exists' && typeof arg === 'boolean') ||
    (kind === 'anything-but' &&
      (isScalar(arg) ||
        (Array.isArray(arg) && arg.every(isScalar)) ||
        (typeof arg === 'object' &&
          arg !== null &&
          typeof (arg as { prefix?: unknown }).prefix === 'string'))) ||
    (kind === 'numeric' &&
      Array.isArray(arg) &&
      arg.length % 2 === 0 &&
      arg.length > 0 &&
      arg.every((x, i) =>
        i % 2 === 0 ? typeof x === 'string' && x in COMPARE : typeof x === 'number',
      ));
  if (!ok) throw new Error(`${at}: ${JSON.stringify(m)} is not a matcher this server knows.`);
}

function matchOne(m: Matcher, value: unknown, present: boolean): boolean {
  if (isScalar(m)) return present && value === m;
  if ('exists' in m) return m.exists === present;
  if (!present) return false;
  if ('prefix' in m) return typeof value === 'string' && value.startsWith(m.prefix);
  if ('suffix' in m) return typeof value === 'string' && value.endsWith(m.suffix);
  if ('numeric' in m) {
    if (typeof value !== 'number') return false;
    for (let i = 0; i < m.numeric.length; i += 2) {
      if (!COMPARE[m.numeric[i] as string]!(value, m.numeric[i + 1] as number)) return false;
    }
    return true;
  }
  const but = m['anything-but'];
  if (isScalar(but)) return value !== but;
  if (Array.isArray(but)) return !(but as Scalar[]).includes(value as Scalar);
  const prefix = (but as { prefix: string }).prefix;
  return !(typeof value === 'string' && value.startsWith(prefix));
}

function matchField(matchers: readonly Matcher[], value: unknown, present: boolean): boolean {
  // A field holding an array matches when any of its elements does.
  if (present && Array.isArray(value)) {
    return value.some((v) => matchers.some((m) => matchOne(m, v, true)));
  }
  return matchers.some((m) => matchOne(m, value, present));
}

/** Whether `event` matches `pattern`. */
export function matches(pattern: Pattern, event: unknown): boolean {
  for (const [field, p] of Object.entries(pattern)) {
    const obj = event && typeof event === 'object' ? (event as Record<string, unknown>) : {};
    const present = Object.prototype.hasOwnProperty.call(obj, field);
    const value = obj[field];
    if (Array.isArray(p)) {
      if (!matchField(p as readonly Matcher[], value, present)) return false;
    } else if (Array.isArray(value)) {
      if (!value.some((v) => matches(p as Pattern, v))) return false;
    } else if (!matches(p as Pattern, present ? value : undefined)) return false;
  }
  return true;
}
