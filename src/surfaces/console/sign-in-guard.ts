/**
 * Slows down guessing: after a few wrong sign-ins from one address, that address is locked
 * out for a while, doubling with each further failure (capped). In memory, per replica: it
 * protects each process; a correct sign-in from the address clears its record. The pipeline's
 * rate-limit step consults it (SignIn's limit `sign-in`) before the handler, which reports
 * each outcome; keys are what the step counts by (the address).
 */
import { ApiError } from '../../contract/errors.js';
import type { Limiter } from '../../pipeline/limits.js';

export interface GuardOptions {
  /** Failures allowed before the lockout starts. */
  freeFailures: number;
  /** First lockout; each further failure doubles it. */
  baseLockMs: number;
  maxLockMs: number;
  /** A quiet address is forgotten after this long. */
  forgetAfterMs: number;
}

export const DEFAULT_GUARD: GuardOptions = {
  freeFailures: 5,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

interface Record {
  failures: number;
  lockedUntil: number;
  lastAt: number;
}

export class SignInGuard implements Limiter {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly options: GuardOptions,
    private readonly now: () => number,
  ) {}

  /** Throws RateLimitError while the address is locked out. */
  enforce(address: string): void {
    const wait = this.waitSeconds(address);
    if (wait > 0) {
      throw new ApiError(
        'RateLimitError',
        `Too many failed sign-ins from this address; try again in ${wait} second${wait === 1 ? '' : 's'}.`,
        undefined,
        { 'Retry-After': String(wait) },
      );
    }
  }

  /** Seconds the address must wait before trying again (0: it may try now). */
  waitSeconds(address: string): number {
    const r = this.current(address);
    if (!r) return 0;
    const left = r.lockedUntil - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  failed(address: string): void {
    const now = this.now();
    const r = this.current(address) ?? { failures: 0, lockedUntil: 0, lastAt: now };
    r.failures += 1;
    r.lastAt = now;
    const over = r.failures - this.options.freeFailures;
    if (over >= 0) {
      r.lockedUntil = now + Math.min(this.options.maxLockMs, this.options.baseLockMs * 2 ** over);
    }
    if (this.records.size > 100_000) this.records.clear();
    this.records.set(address, r);
  }

  succeeded(address: string): void {
    this.records.delete(address);
  }

  private current(address: string): Record | undefined {
    const r = this.records.get(address);
    if (r && this.now() - r.lastAt > this.options.forgetAfterMs && r.lockedUntil < this.now()) {
      this.records.delete(address);
      return undefined;
    }
    return r;
  }
}
