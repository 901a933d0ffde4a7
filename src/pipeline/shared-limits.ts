/**
 * Limits kept in the database (the only writer of `limit_counters`), so that every replica of
 * a PostgreSQL deployment counts against the same numbers; on SQLite (one server per file) the
 * same table serves the one server. Each count is one atomic statement (an upsert whose update
 * is conditional), never a read then a write: concurrent attempts cannot all pass one check.
 *
 * Two kinds: a lockout with back-off (the console's sign-in, per address and per access key)
 * and a token bucket (the invitee endpoints, per address and per user or bot).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { ApiError } from '../contract/errors.js';
import type { Database } from '../store/schema.js';
import type { Limiter } from './limits.js';
import type { BucketOptions } from './rate-limit.js';

type Db = Kysely<Database>;

export interface LockoutOptions {
  /** Attempts allowed before the back-off starts. */
  freeFailures: number;
  /** The wait after the attempt that reaches `freeFailures`; each further attempt doubles it. */
  baseLockMs: number;
  maxLockMs: number;
  /** A counter with no attempt for this long starts again from zero. */
  forgetAfterMs: number;
}

export const DEFAULT_LOCKOUT: LockoutOptions = {
  freeFailures: 5,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

/**
 * Per access key: more attempts before the back-off than per address, so that one address's
 * guesses (stopped at its own five) do not lock the key's owner out; guesses spread over many
 * addresses still meet the key's back-off after twenty.
 */
export const KEY_LOCKOUT: LockoutOptions = { ...DEFAULT_LOCKOUT, freeFailures: 20 };

/** Rows older than this are deleted (a lockout forgotten, a bucket long full). */
const KEEP_MS = 60 * 60_000;
const PURGE_EVERY_MS = 60_000;

const big = (n: number) => sql`CAST(${Math.round(n)} AS bigint)`;
const real = (n: number) => sql`CAST(${n} AS double precision)`;

const rateLimited = (message: string, wait: number) =>
  new ApiError('RateLimitError', message, undefined, { 'Retry-After': String(wait) });

/** Deletes counters nobody has touched for a while (at most once a minute per limiter). */
class Purge {
  private last = 0;
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}
  maybe(): void {
    const now = this.now();
    if (now - this.last < PURGE_EVERY_MS && now >= this.last) return;
    this.last = now;
    void this.db
      .deleteFrom('limit_counters')
      .where('at', '<', now - KEEP_MS)
      .where('until', '<', now)
      .execute()
      .catch(() => undefined);
  }
}

/**
 * Failed attempts with back-off. An attempt is counted when it is admitted, before its outcome
 * is known (so that concurrent attempts each see the others); its success then either clears
 * the counter (the principal's own: an access key signed in with its secret) or only takes back
 * its own attempt (an address's, which others' failures may have filled: those stay).
 */
export class SharedLockout implements Limiter {
  private readonly purge: Purge;

  constructor(
    private readonly db: Db,
    private readonly options: LockoutOptions,
    private readonly now: () => number,
    private readonly onRefuse?: () => void,
  ) {
    this.purge = new Purge(db, now);
  }

  /** The time the next attempt may come after the `n`th: 0 (now) below the free attempts. */
  private gate(n: RawBuilder<unknown>, now: number): RawBuilder<unknown> {
    const { freeFailures, baseLockMs, maxLockMs } = this.options;
    const steps: RawBuilder<unknown>[] = [];
    for (let k = 0; baseLockMs * 2 ** k < maxLockMs && k < 30; k++) {
      steps.push(sql`WHEN ${n} = ${big(freeFailures + k)} THEN ${big(now + baseLockMs * 2 ** k)}`);
    }
    return sql`CASE WHEN ${n} < ${big(freeFailures)} THEN ${big(0)} ${sql.join(steps, sql` `)} ELSE ${big(now + maxLockMs)} END`;
  }

  /** Counts an attempt; throws RateLimitError (Retry-After) while the counter's back-off lasts. */
  async enforce(key: string, what: string): Promise<void> {
    const now = this.now();
    this.purge.maybe();
    const stale = now - this.options.forgetAfterMs;
    const n = sql`(CASE WHEN limit_counters.at < ${big(stale)} THEN ${big(1)} ELSE limit_counters.count + 1 END)`;
    const admitted = await sql<{ count: number }>`
      INSERT INTO limit_counters (name, count, at, until)
      VALUES (${key}, 1, ${big(now)}, ${this.gate(sql`1`, now)})
      ON CONFLICT (name) DO UPDATE SET
        count = ${n}, until = ${this.gate(n, now)}, at = ${big(now)}
      WHERE limit_counters.until <= ${big(now)}
      RETURNING count`.execute(this.db);
    if (admitted.rows.length > 0) return;
    const row = await this.db
      .selectFrom('limit_counters')
      .select('until')
      .where('name', '=', key)
      .executeTakeFirst();
    const wait = Math.max(1, Math.ceil((Number(row?.until ?? now) - now) / 1000));
    this.onRefuse?.();
    throw rateLimited(
      `Too many ${what}; try again in ${wait} second${wait === 1 ? '' : 's'}.`,
      wait,
    );
  }

  /**
   * A success of the counter's own principal: its failures are forgotten. On `db`, the
   * success's transaction (on SQLite another connection would wait for it).
   */
  async clear(db: Db, key: string): Promise<void> {
    await db.deleteFrom('limit_counters').where('name', '=', key).execute();
  }

  /**
   * A success counted on a shared counter (an address): only its own attempt is taken back;
   * the back-off stays unless what is left is below the free attempts.
   */
  async refund(db: Db, key: string): Promise<void> {
    const free = this.options.freeFailures;
    await sql`
      UPDATE limit_counters SET count = count - 1,
        until = CASE WHEN count - 1 < ${big(free)} THEN ${big(0)} ELSE until END
      WHERE name = ${key} AND count >= 1`.execute(db);
  }
}

/**
 * A token bucket per key in the database: `count` holds the tokens left at `at`. A request
 * takes one token from the refilled bucket, in one statement, or is refused with the seconds
 * until the next token.
 */
export class SharedBuckets implements Limiter {
  private readonly purge: Purge;

  constructor(
    private readonly db: Db,
    readonly options: BucketOptions,
    private readonly now: () => number,
    private readonly onRefuse?: () => void,
  ) {
    this.purge = new Purge(db, now);
  }

  async enforce(key: string, what: string): Promise<void> {
    const { ratePerSecond, burst } = this.options;
    if (ratePerSecond <= 0) return;
    const now = this.now();
    this.purge.maybe();
    // The tokens now: refilled since `at` (nothing when the clock was set back), at most `burst`.
    const refilled = sql`(CASE
        WHEN limit_counters.at >= ${big(now)} THEN limit_counters.count
        WHEN limit_counters.count + (${big(now)} - limit_counters.at) * ${real(ratePerSecond / 1000)} > ${real(burst)} THEN ${real(burst)}
        ELSE limit_counters.count + (${big(now)} - limit_counters.at) * ${real(ratePerSecond / 1000)} END)`;
    const taken = await sql<{ count: number }>`
      INSERT INTO limit_counters (name, count, at, until)
      VALUES (${key}, ${real(burst - 1)}, ${big(now)}, ${big(0)})
      ON CONFLICT (name) DO UPDATE SET count = ${refilled} - 1, at = ${big(now)}
      WHERE ${refilled} >= 1
      RETURNING count`.execute(this.db);
    if (taken.rows.length > 0) return;
    const row = await this.db
      .selectFrom('limit_counters')
      .select(['count', 'at'])
      .where('name', '=', key)
      .executeTakeFirst();
    const tokens = row
      ? Math.min(
          burst,
          Number(row.count) + (Math.max(0, now - Number(row.at)) / 1000) * ratePerSecond,
        )
      : 0;
    const wait = Math.max(1, Math.ceil((1 - tokens) / ratePerSecond));
    this.onRefuse?.();
    throw rateLimited(
      `Rate exceeded for ${what}; retry after ${wait} second${wait === 1 ? '' : 's'}.`,
      wait,
    );
  }
}

/** Forgets every shared counter (the test controls' whole reset). */
export async function clearLimitCounters(db: Db): Promise<void> {
  await db.deleteFrom('limit_counters').execute();
}
