/** Access-key policies: allowed actions (with `*` wildcards) and an optional network list. */
import { compileActions, refusalOf } from '../contract/actions.js';
import { forbidden } from '../contract/errors.js';
import type { Principal } from '../domain/context.js';

// The matching rule lives beside the contract, where the console shares it.
export { compileActions };

export function authorize(principal: Principal, operation: string, networkId?: string): void {
  const refusal = refusalOf(principal, operation, networkId);
  if (refusal !== undefined) throw forbidden(refusal);
}

/** Validates a policy given by an administrator (CLI), returning a normalized copy. */
export function normalizeActions(actions: readonly string[]): string[] {
  const out = actions.map((a) => a.trim()).filter((a) => a.length > 0);
  for (const a of out) {
    if (a !== '*' && !/^(?:wickr|cloudtrail):[A-Za-z*]+$/.test(a)) {
      throw new Error(
        `Invalid action "${a}": use "wickr:<Operation>", wildcards such as "wickr:List*", "cloudtrail:LookupEvents", or "*".`,
      );
    }
  }
  if (out.length === 0) throw new Error('A key needs at least one allowed action.');
  return out;
}
