/** Access-key policies: allowed actions (with `*` wildcards) and an optional network list. */
import { compileActions, refusalOf } from '../contract/actions.js';
import { forbidden } from '../contract/errors.js';
import { allOperations } from '../contract/index.js';
import { schemesOf } from '../contract/dsl.js';
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

/**
 * Every action the server checks, as `wickr:<Action>`: each operation's (the API's and the
 * server's own, such as `wickr:LookupAuditRecords` and `wickr:ManageAccessKeys`).
 */
/** An operation's IAM action: `wickr:<name>`, or as declared when it names its service. */
const actionName = (a: string) => (a.includes(':') ? a : `wickr:${a}`);

export const KNOWN_ACTIONS: readonly string[] = [
  ...new Set(
    // Operations anyone may call (authentication `none`: registration, a bot's sign-in) check
    // no action: naming one in a policy would allow nothing.
    allOperations.flatMap((op) =>
      op.action === false || schemesOf(op).every((s) => s === 'none')
        ? []
        : [actionName(op.action || op.name)],
    ),
  ),
].sort();

/** The actions of a policy that allow no action the server checks (a typo allows nothing). */
export function unknownActions(actions: readonly string[]): string[] {
  return actions.filter((a) => !KNOWN_ACTIONS.some((n) => compileActions([a]).test(n)));
}

/** The actions `actions` would allow that the key with `held` (compiled) may not perform. */
export function actionsBeyond(held: RegExp, actions: readonly string[]): string[] {
  const wanted = compileActions(actions);
  return KNOWN_ACTIONS.filter((n) => wanted.test(n) && !held.test(n));
}
