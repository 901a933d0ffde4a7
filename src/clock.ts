/**
 * The server's clock: what every time-dependent rule reads (invitation expiry, idempotency
 * retention, rate-limit refill, lockouts, guest billing months, outbox backoff). Tests move it
 * through the test controls (POST /_wickr/clock) or an embedded server's `clock` helper.
 *
 * SigV4's 15-minute window and the key cache follow the real clock unless `signatures` is set:
 * a test that jumps a week ahead must still be able to sign its requests with the real time.
 */
export interface ClockState {
  /** The server's current time. */
  now: string;
  /** Milliseconds the server's clock is ahead of its source (negative: behind). */
  offsetMs: number;
  /** True when the clock stands still at `now`. */
  frozen: boolean;
  /** True when SigV4's request-time window follows this clock too. */
  signatures: boolean;
}

export class Clock {
  private offset = 0;
  private frozenAt: number | undefined;
  private followSignatures = false;
  private readonly moved: (() => void)[] = [];

  /** @param source the real time (Date.now), or a caller's own clock (startEmbedded's `now`). */
  constructor(private readonly source: () => number = Date.now) {}

  /** The server's time in epoch milliseconds. A bound function: pass it where `() => number` is wanted. */
  readonly now = (): number => this.frozenAt ?? this.source() + this.offset;

  /** The time SigV4 checks request dates against. */
  readonly signatureNow = (): number => (this.followSignatures ? this.now() : this.source());

  /** Jumps to `ms` (epoch milliseconds); the clock keeps running from there unless frozen. */
  set(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt = ms;
    else this.offset = ms - this.source();
    this.tell();
  }

  /** Moves the clock by `ms` (negative: back). */
  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offset += ms;
    this.tell();
  }

  /** Stops the clock at its current time (true) or lets it run again from there (false). */
  freeze(on: boolean): void {
    if (on && this.frozenAt === undefined) this.frozenAt = this.now();
    else if (!on && this.frozenAt !== undefined) {
      this.offset = this.frozenAt - this.source();
      this.frozenAt = undefined;
    }
  }

  /** Makes SigV4's window follow this clock (true) or the real one (false, the default). */
  signatures(on: boolean): void {
    this.followSignatures = on;
  }

  /** Back to the source's time. */
  reset(): void {
    this.offset = 0;
    this.frozenAt = undefined;
    this.followSignatures = false;
    this.tell();
  }

  /**
   * Calls `fn` after each jump (set, advance, reset): periodic work that depends on the time
   * (the audit trail's retention purge) runs at once instead of at its next tick.
   */
  onJump(fn: () => void): void {
    this.moved.push(fn);
  }

  private tell(): void {
    for (const fn of this.moved) fn();
  }

  state(): ClockState {
    const real = this.source();
    const now = this.frozenAt ?? real + this.offset;
    return {
      now: new Date(now).toISOString(),
      offsetMs: now - real,
      frozen: this.frozenAt !== undefined,
      signatures: this.followSignatures,
    };
  }
}
