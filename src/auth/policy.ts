/** Access-key policies: allowed actions (with `*` wildcards) and an optional network list. */
import { forbidden } from '../contract/errors.js';

export interface Principal {
  accountId: string;
  region: string;
  accessKeyId: string;
  /** The key owner's name ("root" for account-level keys): who acted, in lists and audits. */
  userName: string;
  actions: readonly string[];
  /** Network IDs the key is limited to; undefined means every network of the account. */
  networks?: readonly string[];
}

const patternCache = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    // IAM action names match case-insensitively.
    re = new RegExp(`^${body}$`, 'i');
    patternCache.set(pattern, re);
  }
  return re;
}

export function actionAllowed(actions: readonly string[], action: string): boolean {
  return actions.some((p) => toRegExp(p).test(action));
}

export function authorize(principal: Principal, operation: string, networkId?: string): void {
  const action = `wickr:${operation}`;
  if (!actionAllowed(principal.actions, action)) {
    throw forbidden(`Access key ${principal.accessKeyId} is not authorized to perform ${action}.`);
  }
  // A key limited to some networks may not create more (it could not use them anyway).
  if (principal.networks && operation === 'CreateNetwork') {
    throw forbidden(
      `Access key ${principal.accessKeyId} is limited to networks ${principal.networks.join(', ')} and cannot create networks.`,
    );
  }
  if (networkId !== undefined && principal.networks && !principal.networks.includes(networkId)) {
    throw forbidden(
      `Access key ${principal.accessKeyId} is not authorized to perform ${action} on network ${networkId}.`,
    );
  }
}

/** Validates a policy given by an administrator (CLI), returning a normalized copy. */
export function normalizeActions(actions: readonly string[]): string[] {
  const out = actions.map((a) => a.trim()).filter((a) => a.length > 0);
  for (const a of out) {
    if (a !== '*' && !/^wickr:[A-Za-z*]+$/.test(a)) {
      throw new Error(
        `Invalid action "${a}": use "wickr:<Operation>", wildcards such as "wickr:List*", or "*".`,
      );
    }
  }
  if (out.length === 0) throw new Error('A key needs at least one allowed action.');
  return out;
}
