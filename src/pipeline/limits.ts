/**
 * The rate-limit step: the limits an operation declares (contract traits `limits`), each
 * counted by one of the server's limiters (token buckets, or the console's sign-in lockout).
 * Limits per access key or address run before the input is validated, so malformed requests
 * count too; limits per input member (a username) after, once the member is known to be valid.
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
  enforce(key: string, what: string): void;
}

export type Limiters = Partial<Record<LimiterName, Limiter>>;

const PER_ACCESS_KEY: LimitRule = {
  limiter: 'access-key',
  per: 'access-key',
  bucket: '',
  what: 'access key',
};

/** The key a per-address limit counts a request by (a handler may need it: the sign-in guard). */
export const addressKey = (bucket: string, sourceIp: string | undefined): string =>
  `${bucket}:${sourceIp ?? 'unknown'}`;

/** The operation's limits: its own, or its caller's access key when it has one. */
export function limitsOf(spec: OperationSpec): readonly LimitRule[] {
  return spec.limits ?? (schemesOf(spec).includes('none') ? [] : [PER_ACCESS_KEY]);
}

export interface CompiledLimits {
  before(principal: Principal | undefined, sourceIp: string | undefined): void;
  after(input: Record<string, unknown>): void;
}

export function compileLimits(rules: readonly LimitRule[], limiters: Limiters): CompiledLimits {
  const early: ((p: Principal | undefined, ip: string | undefined) => void)[] = [];
  const late: ((input: Record<string, unknown>) => void)[] = [];
  for (const rule of rules) {
    const limiter = limiters[rule.limiter];
    if (!limiter) continue;
    const per = rule.per;
    if (per === 'access-key') {
      // One bucket per key, shared by every operation and surface the key calls.
      early.push((p) => {
        if (p) limiter.enforce(p.accessKeyId, `${rule.what} ${p.accessKeyId}`);
      });
    } else if (per === 'address') {
      early.push((_p, ip) =>
        limiter.enforce(addressKey(rule.bucket, ip), `${rule.what} from ${ip ?? 'unknown'}`),
      );
    } else {
      late.push((input) => {
        const value = input[per.member];
        if (typeof value !== 'string') return;
        const network = typeof input['networkId'] === 'string' ? input['networkId'] : '';
        limiter.enforce(`${rule.bucket}:${network}:${value.toLowerCase()}`, rule.what);
      });
    }
  }
  return {
    before: (p, ip) => {
      for (const f of early) f(p, ip);
    },
    after: (input) => {
      for (const f of late) f(input);
    },
  };
}
