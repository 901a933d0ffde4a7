/** Access-key policies: allowed actions (with `*` wildcards) and an optional network list. */
import { forbidden } from '../contract/errors.js';
import type { Principal } from '../domain/context.js';

/** A key's allowed actions as one pattern, compiled when the key is read (not per request). */
export function compileActions(actions: readonly string[]): RegExp {
  const alternatives = actions.map((pattern) =>
    pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*'),
  );
  // IAM action names match case-insensitively.
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}

export function authorize(principal: Principal, operation: string, networkId?: string): void {
  const action = `wickr:${operation}`;
  if (!principal.actionPattern.test(action)) {
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
