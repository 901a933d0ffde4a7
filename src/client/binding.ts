/**
 * The client side of the restJson1 binding, derived from the contract as the server's
 * (src/protocol/binding.ts) is: URI labels, query parameters and headers come from the
 * members' `x-location`/`x-name` marks; every other member goes in the JSON body.
 */
import type { OperationSpec } from '../contract/dsl.js';
import { rfc3986 } from '../auth/sigv4.js';
import { planBinding, type BindingPlan } from '../contract/binding-plan.js';

export interface HttpRequest {
  method: OperationSpec['method'];
  /** Path and query, percent-encoded, relative to the endpoint's base path. */
  path: string;
  /** Headers bound from input members, plus content-type when there is a body. */
  headers: Record<string, string>;
  /** The JSON body, or '' when the operation has none. */
  body: string;
}

const plans = new WeakMap<OperationSpec, BindingPlan>();

function planOf(op: OperationSpec): BindingPlan {
  let plan = plans.get(op);
  if (!plan) {
    plan = planBinding(op);
    plans.set(op, plan);
  }
  return plan;
}

/** The HTTP request for `op` with `input`; throws when a URI label is missing. */
export function serializeRequest(op: OperationSpec, input: Record<string, unknown>): HttpRequest {
  const plan = planOf(op);
  const labels = new Map<string, string>();
  const query: string[] = [];
  const headers: Record<string, string> = {};
  for (const l of plan.located) {
    const value = input[l.member];
    if (value === undefined || value === null) continue;
    if (l.location === 'uri') labels.set(l.wireName, scalar(value));
    else if (l.location === 'header') headers[l.wireName.toLowerCase()] = scalar(value);
    else {
      for (const v of Array.isArray(value) ? (value as unknown[]) : [value])
        query.push(`${rfc3986(l.wireName)}=${rfc3986(scalar(v))}`);
    }
  }
  const path = op.path.replace(/\{([^}+]+)\+?\}/g, (_, name: string) => {
    const value = labels.get(name);
    if (value === undefined || value === '')
      throw new Error(`${op.name}: the input has no value for the URI label {${name}}`);
    return rfc3986(value);
  });
  let body = '';
  if (plan.hasBody) {
    const members: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input))
      if (!plan.locatedNames.has(k) && v !== undefined) members[k] = v;
    body = JSON.stringify(members);
    headers['content-type'] = 'application/json';
  }
  return {
    method: op.method,
    path: query.length ? `${path}?${query.join('&')}` : path,
    headers,
    body,
  };
}

function scalar(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
