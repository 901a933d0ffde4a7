/**
 * Token buckets keyed by a string (an access key, a source address, a user). In memory, per
 * replica: limits protect each process; the stored state that matters lives in the database.
 */
import { ApiError } from '../contract/errors.js';

export interface BucketOptions {
  /** Tokens added per second; 0 disables limiting. */
  ratePerSecond: number;
  /** Bucket size: the burst allowed after a quiet period. */
  burst: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly options: BucketOptions,
    private readonly now: () => number = Date.now,
    /** Told of each refusal (metrics). */
    private readonly onRefuse?: () => void,
  ) {}

  /** Forgets every bucket (test controls' reset). */
  clear(): void {
    this.buckets.clear();
  }

  /** Takes one token, or returns the seconds to wait for the next. */
  take(key: string): number {
    const { ratePerSecond, burst } = this.options;
    if (ratePerSecond <= 0) return 0;
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 100_000) this.buckets.clear();
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    } else {
      // A clock set back (the test controls) refills nothing, and takes nothing either.
      b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * ratePerSecond);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / ratePerSecond));
  }

  /** Throws RateLimitError with Retry-After when the key is over its limit. */
  enforce(key: string, what: string): void {
    const wait = this.take(key);
    if (wait > 0) {
      this.onRefuse?.();
      throw new ApiError(
        'RateLimitError',
        `Rate exceeded for ${what}; retry after ${wait} second${wait === 1 ? '' : 's'}.`,
        undefined,
        { 'Retry-After': String(wait) },
      );
    }
  }
}
