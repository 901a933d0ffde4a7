/**
 * The rate-limit step: the limits an operation declares (contract traits `limits`), each
 * counted by one of the server's limiters (token buckets, or the console's sign-in lockout).
 * Limits per access key or address run before the input is validated, so malformed requests
 * count too; limits per input member (a username) after, once the member is known to be valid.
 * A limiter kept in memory answers at once; one kept in the database (shared-limits.ts)
 * returns a promise, which the step awaits.
 */
import {
  schemesOf,
  type LimiterName,
  type LimitRule,
  type OperationSpec,
} from '../contract/dsl.js';
import type { Principal } from '../domain/context.js';

/** Counts a request against `key`; throws RateLimitError (with Retry-After) over the limit. */
export interface Limiter {
  enforce(key: string, what: string): void | Promise<void>;
}

export type Limiters = Partial<Record<LimiterName, Limiter>>;

const PER_ACCESS_KEY: LimitRule = {
  limiter: 'access-key',
  per: 'access-key',
  bucket: '',
  what: 'access key',
};

/** The key a per-address limit counts a request by (a handler may need it: the sign-in lockout). */
export const addressKey = (bucket: string, sourceIp: string | undefined): string =>
  `${bucket}:${sourceIp ?? 'unknown'}`;

/**
 * The key a per-member limit counts a request by: the member's value (trimmed and lower-cased,
 * so that " KEY" and "key" are one counter) within the network the input names.
 */
export function memberKey(bucket: string, input: Record<string, unknown>, member: string) {
  const value = input[member];
  if (typeof value !== 'string') return undefined;
  const network = typeof input['networkId'] === 'string' ? input['networkId'] : '';
  return `${bucket}:${network}:${value.trim().toLowerCase()}`;
}

/** The operation's limits: its own, or its caller's access key when it has one. */
export function limitsOf(spec: OperationSpec): readonly LimitRule[] {
  return spec.limits ?? (schemesOf(spec).includes('none') ? [] : [PER_ACCESS_KEY]);
}

export interface CompiledLimits {
  /** A promise when a limiter counts in the database. */
  before(principal: Principal | undefined, sourceIp: string | undefined): Promise<void> | undefined;
  after(input: Record<string, unknown>): Promise<void> | undefined;
}

type Counted = void | Promise<void>;

/** Runs each count in order, awaiting only those that return a promise. */
function inOrder<A extends unknown[]>(fs: ((...a: A) => Counted)[], ...args: A) {
  for (let i = 0; i < fs.length; i++) {
    const r = fs[i]!(...args);
    if (r) {
      return (async () => {
        await r;
        for (let j = i + 1; j < fs.length; j++) await fs[j]!(...args);
      })();
    }
  }
  return undefined;
}

export function compileLimits(rules: readonly LimitRule[], limiters: Limiters): CompiledLimits {
  const early: ((p: Principal | undefined, ip: string | undefined) => Counted)[] = [];
  const late: ((input: Record<string, unknown>) => Counted)[] = [];
  for (const rule of rules) {
    const limiter = limiters[rule.limiter];
    if (!limiter) continue;
    const per = rule.per;
    if (per === 'access-key') {
      // One bucket per key, shared by every operation and surface the key calls.
      early.push((p) =>
        p ? limiter.enforce(p.accessKeyId, `${rule.what} ${p.accessKeyId}`) : undefined,
      );
    } else if (per === 'address') {
      early.push((_p, ip) =>
        limiter.enforce(addressKey(rule.bucket, ip), `${rule.what} from ${ip ?? 'unknown'}`),
      );
    } else {
      late.push((input) => {
        const key = memberKey(rule.bucket, input, per.member);
        return key === undefined ? undefined : limiter.enforce(key, rule.what);
      });
    }
  }
  return {
    before: (p, ip) => inOrder(early, p, ip),
    after: (input) => inOrder(late, input),
  };
}
