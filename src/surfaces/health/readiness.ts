/**
 * Whether this replica should be sent requests: not while it drains for a shutdown, nor while
 * its database cannot take writes. The database is asked with a small write (store/
 * write-probe.ts) at most once per interval, however many load balancers ask, and never twice
 * at once: a database that hangs gets one probe, not one per health check.
 */
export type Readiness = { ready: true } | { ready: false; reason: string };

export interface ReadinessOptions {
  /** A write that must commit; rejects (or hangs) when the database cannot take writes. */
  probe: () => Promise<void>;
  /** Milliseconds a probe's answer stands for. */
  intervalMs: number;
  /** Milliseconds a probe may take before the database counts as not answering. */
  timeoutMs?: number;
  now?: () => number;
}

const READY: Readiness = { ready: true };

export class ReadinessCheck {
  private draining = false;
  private last: { at: number; result: Readiness } | undefined;
  /** The probe under way, if any (one at a time, even one that hangs). */
  private running: { since: number; settled: Promise<Readiness> } | undefined;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ReadinessOptions) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  /** From now on: not ready (the server is shutting down). */
  drain(): void {
    this.draining = true;
  }

  async check(): Promise<Readiness> {
    if (this.draining) return { ready: false, reason: 'draining: the server is shutting down' };
    const now = this.now();
    if (this.last && now - this.last.at < this.options.intervalMs) return this.last.result;
    if (this.running) {
      const waited = now - this.running.since;
      if (waited >= this.timeoutMs)
        return notReady(
          `the database has not confirmed a write for ${Math.round(waited / 1000)} s`,
        );
      return this.withTimeout(this.running.settled, this.timeoutMs - waited);
    }
    const settled = this.options.probe().then(
      () => READY,
      (e: unknown) => notReady(`the database cannot take writes: ${describe(e)}`),
    );
    const running = { since: now, settled };
    this.running = running;
    void settled.then((result) => {
      this.last = { at: this.now(), result };
      if (this.running === running) this.running = undefined;
    });
    return this.withTimeout(settled, this.timeoutMs);
  }

  private async withTimeout(settled: Promise<Readiness>, ms: number): Promise<Readiness> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Readiness>((resolve) => {
      timer = setTimeout(
        () => resolve(notReady(`the database did not confirm a write within ${this.timeoutMs} ms`)),
        ms,
      );
    });
    try {
      return await Promise.race([settled, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const notReady = (reason: string): Readiness => ({ ready: false, reason });

function describe(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return typeof err?.code === 'string' ? `${message} (${err.code})` : message;
}
