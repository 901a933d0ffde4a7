/**
 * Which operations an access key's policy allows: the IAM action of an operation
 * (`wickr:<Operation>`), actions matched with `*` wildcards and case-insensitively, and the
 * optional list of networks the key is limited to. The server's authorization
 * (auth/policy.ts) refuses with these words; the console disables what a key may not do with
 * the same ones, so the two cannot disagree.
 */

/** A key's policy as both sides hold it. */
export interface KeyPolicy {
  accessKeyId: string;
  /** The allowed actions, compiled by compileActions. */
  actionPattern: RegExp;
  /** Network IDs the key is limited to; undefined or null: every network of the account. */
  networks?: readonly string[] | null | undefined;
}

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

/** Why `policy` does not allow `operation` (on `networkId`), or undefined when it does. */
export function refusalOf(
  policy: KeyPolicy,
  operation: string,
  networkId?: string,
): string | undefined {
  // An action named with its service (`cloudtrail:LookupEvents`) is taken as it is.
  const action = operation.includes(':') ? operation : `wickr:${operation}`;
  if (!policy.actionPattern.test(action)) {
    return `Access key ${policy.accessKeyId} is not authorized to perform ${action}.`;
  }
  // A key limited to some networks may not create more (it could not use them anyway).
  if (policy.networks && operation === 'CreateNetwork') {
    return `Access key ${policy.accessKeyId} is limited to networks ${policy.networks.join(', ')} and cannot create networks.`;
  }
  if (networkId !== undefined && policy.networks && !policy.networks.includes(networkId)) {
    return `Access key ${policy.accessKeyId} is not authorized to perform ${action} on network ${networkId}.`;
  }
  return undefined;
}
