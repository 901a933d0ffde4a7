/**
 * restJson1 request binding, generic over the contract: URI labels, query-string parameters,
 * headers and JSON body members become one input object. Values that do not parse as their
 * type are passed through unchanged so that validation reports them with the member's name.
 */
import { planBinding, type BindingPlan, type Kind } from '../contract/binding-plan.js';
import type { OperationSpec } from '../contract/dsl.js';
import { badRequest } from '../contract/errors.js';
import type { Binder, PipelineRequest } from '../pipeline/entry.js';

export type RawRequest = Pick<PipelineRequest, 'params' | 'query' | 'headers' | 'body'>;

/**
 * The operation's binder for the pipeline (its plan is made once); `body` reads the body
 * members (by default a JSON object).
 */
export function binderFor(
  op: OperationSpec,
  body: (raw: Buffer | undefined, req: RawRequest) => Record<string, unknown> = parseBody,
): Binder {
  const plan = planBinding(op);
  return (req) => bindInput(plan, req, plan.hasBody ? body(req.body, req) : {});
}

export function bindInput(
  plan: BindingPlan,
  raw: RawRequest,
  body: Record<string, unknown> = plan.hasBody ? parseBody(raw.body) : {},
): Record<string, unknown> {
  const input: Record<string, unknown> = body;
  for (const name of plan.locatedNames) delete input[name];
  let query: Map<string, string> | undefined;
  for (const l of plan.located) {
    let value: string | undefined;
    if (l.location === 'uri') value = raw.params[l.wireName];
    else if (l.location === 'header') {
      const h = raw.headers[l.wireName.toLowerCase()];
      value = Array.isArray(h) ? h[0] : h;
    } else {
      query ??= parseQuery(raw.query);
      value = query.get(l.wireName);
    }
    if (value !== undefined) input[l.member] = coerce(value, l.kind);
  }
  return input;
}

function coerce(value: string, kind: Kind): unknown {
  switch (kind) {
    case 'integer':
      return /^-?\d+$/.test(value) ? Number(value) : value;
    case 'number': {
      // Timestamps: epoch seconds; an ISO 8601 date is accepted too.
      if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
      const t = Date.parse(value);
      return Number.isNaN(t) ? value : t / 1000;
    }
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    default:
      return value;
  }
}

export function parseQuery(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!raw) return out;
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A JSON object body as input (null members absent); an empty body is no members. */
export function parseBody(body: Buffer | undefined): Record<string, unknown> {
  if (!body || body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw badRequest(`The request body is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return dropNulls(parsed as Record<string, unknown>);
}

/**
 * Members whose value is null count as absent, at every depth. Iterative: a hostile body
 * nested thousands of levels deep must not exhaust the stack.
 */
function dropNulls(root: Record<string, unknown>): Record<string, unknown> {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const item of node) if (item && typeof item === 'object') stack.push(item);
    } else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const v = o[k];
        if (v === null) delete o[k];
        else if (typeof v === 'object') stack.push(v);
      }
    }
  }
  return root;
}
