/**
 * The server's Prometheus metrics (prom-client), in a registry of its own so that several
 * embedded servers in one process keep theirs apart (the process's own metrics, shared, are
 * listed in each). Hot paths only bump numbers: request counters are label children made once
 * per operation; cache, pool and outbox figures are read when /metrics is scraped.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { OUTBOX_STATUS, OUTBOX_STATUSES } from '../../domain/owners/outbox.js';
import type { OperationObserver } from '../../pipeline/observe.js';
import { coalesce } from '../../store/coalesce.js';
import { processMetrics } from './process-metrics.js';

export interface MetricSources {
  db: Kysely<Database>;
  /** The server's clock (the outbox's ages are measured with the time its rules read). */
  now: () => number;
  /** The uname cache's running totals. */
  unameCache: () => { hits: number; misses: number; size: number };
  /** Connections of the database pool (SQLite: its one connection). */
  pool: () => { total: number; idle: number; waiting: number };
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'status' | 'error'>;
  private readonly latency: Histogram<'operation'>;
  readonly rateLimited: Counter<'limit'>;
  readonly deliveries: Counter<'outcome'>;
  readonly registrations: Counter<'outcome'>;
  readonly lockouts: Counter;
  readonly auditRecords: Counter<'source' | 'outcome'>;
  readonly trailDeliveries: Counter<'kind' | 'outcome'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    for (const m of processMetrics()) this.registry.registerMetric(m);
    // Read when the scrape starts, before any query of the scrape's own asks the pool for a
    // connection (those start a turn later, see outboxFigures): on an idle replica the
    // scrape's own query was counted as waiting.
    new Gauge({
      name: 'wickr_db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting requests)',
      labelNames: ['state'],
      registers,
      collect() {
        const p = sources.pool();
        this.set({ state: 'total' }, p.total);
        this.set({ state: 'idle' }, p.idle);
        this.set({ state: 'waiting' }, p.waiting);
      },
    });
    this.requests = new Counter({
      name: 'wickr_requests_total',
      help: 'Requests by operation (the Admin API\'s and the server\'s own: console, invitee, audit read), HTTP status and error name ("" for none)',
      labelNames: ['operation', 'status', 'error'],
      registers,
    });
    this.latency = new Histogram({
      name: 'wickr_request_duration_seconds',
      help: 'Request latency by operation',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'wickr_rate_limit_refusals_total',
      help: 'Requests refused by a rate limit, by limit (access_key, registration, sign_in)',
      labelNames: ['limit'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'wickr_outbox_delivery_attempts_total',
      help: 'Outbox messages handed to SMTP, by outcome (sent, retry, failed, interrupted: cut short by a network deletion or shutdown, not counted as an attempt)',
      labelNames: ['outcome'],
      registers,
    });
    this.registrations = new Counter({
      name: 'wickr_registration_attempts_total',
      help: 'Invite-code registrations by outcome (success, refused, limited)',
      labelNames: ['outcome'],
      registers,
    });
    this.lockouts = new Counter({
      name: 'wickr_registration_lockouts_total',
      help: 'Users locked out of registration by failed invite codes',
      registers,
    });
    this.auditRecords = new Counter({
      name: 'wickr_audit_records_total',
      help: 'Audit records written, by source (admin-api, console, invitee) and outcome',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.trailDeliveries = new Counter({
      name: 'wickr_trail_deliveries_total',
      help: 'Audit events handed to a webhook or a log file, by sink kind (webhook, files) and outcome (delivered, skipped by its pattern, retry, failed)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    let figures: () => Promise<OutboxFigures | undefined> = () => Promise.resolve(undefined);
    const readFailures = new Counter({
      name: 'wickr_metrics_database_read_failures_total',
      help: `Scrapes whose database figures (the outbox gauges) could not be read within ${DB_READ_DEADLINE_MS / 1000} s or failed`,
      labelNames: ['reason'],
      registers,
      // Written once this scrape's read has ended, so a failure shows in the scrape it hit.
      async collect() {
        await figures();
      },
    });
    // Both series exist from the start: an increase() needs a sample before the first failure.
    for (const reason of ['timeout', 'error']) readFailures.labels(reason).inc(0);
    figures = outboxFigures(sources, (reason) => readFailures.labels(reason).inc());
    new Gauge({
      name: 'wickr_outbox_messages',
      help: 'Outbox messages by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const f = await figures();
        this.reset();
        if (!f) return;
        for (const state of OUTBOX_STATUSES) this.set({ state }, f.counts.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'wickr_outbox_delivery_lag_seconds',
      help: 'How long the oldest due outbox message has waited since it became due (0: none due)',
      registers,
      async collect() {
        const f = await figures();
        this.reset();
        if (f) this.set(f.lagSeconds);
      },
    });
    new Gauge({
      name: 'wickr_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest message not yet sent, retries included (0: none pending)',
      registers,
      async collect() {
        const f = await figures();
        this.reset();
        if (f) this.set(f.oldestPendingSeconds);
      },
    });
    const cacheCounter = (name: string, help: string, pick: 'hits' | 'misses') =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(sources.unameCache()[pick]);
        },
      });
    cacheCounter(
      'wickr_uname_cache_hits_total',
      'BatchLookupUserUname unames answered from the cache',
      'hits',
    );
    cacheCounter(
      'wickr_uname_cache_misses_total',
      'BatchLookupUserUname unames read from the database',
      'misses',
    );
    new Gauge({
      name: 'wickr_uname_cache_entries',
      help: 'Entries held by the uname cache',
      registers,
      collect() {
        this.set(sources.unameCache().size);
      },
    });
  }

  /** Registration attempts by outcome, told by the Register operation's observer. */
  countingRegistrations(observer: OperationObserver): OperationObserver {
    const count = (outcome: string) => this.registrations.labels(outcome).inc();
    return {
      ok(seconds) {
        count('success');
        observer.ok(seconds);
      },
      failed(status, errorName, seconds) {
        count(status === 429 ? 'limited' : status >= 500 ? 'error' : 'refused');
        observer.failed(status, errorName, seconds);
      },
    };
  }

  /** Label children made once per operation: a request then costs two number updates. */
  forOperation(operation: string): OperationObserver {
    const ok = this.requests.labels(operation, '200', '');
    const latency = this.latency.labels(operation);
    return {
      ok(seconds) {
        ok.inc();
        latency.observe(seconds);
      },
      failed: (status, errorName, seconds) => {
        this.requests.labels(operation, String(status), errorName).inc();
        latency.observe(seconds);
      },
    };
  }
}

/**
 * A scrape must answer while the database does not (a full pool, a lock held elsewhere): then
 * the outbox gauges are left out of that scrape and the failure counted. Under Prometheus'
 * default scrape timeout of 10 s.
 */
const DB_READ_DEADLINE_MS = 2000;

interface OutboxFigures {
  counts: Map<string, number>;
  lagSeconds: number;
  oldestPendingSeconds: number;
}

/**
 * One query for the outbox gauges of a scrape, shared by them (coalesce: it starts after the
 * turn in which they asked, so the pool gauge has been read by then). Undefined when the read
 * failed or missed its deadline, counted once.
 */
function outboxFigures(
  sources: MetricSources,
  failed: (reason: 'timeout' | 'error') => void,
): () => Promise<OutboxFigures | undefined> {
  const read = coalesce<'outbox', OutboxFigures>(async () => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), DB_READ_DEADLINE_MS);
    });
    try {
      const figures = await Promise.race([readOutbox(sources), deadline]);
      if (figures === 'timeout') {
        failed('timeout');
        return new Map();
      }
      return new Map([['outbox', figures]]);
    } catch {
      failed('error');
      return new Map();
    } finally {
      clearTimeout(timer);
    }
  });
  return () => read('outbox');
}

async function readOutbox(sources: MetricSources): Promise<OutboxFigures> {
  const now = sources.now();
  const rows = await sources.db
    .selectFrom('outbox')
    .select((eb) => [
      'status',
      eb.fn.countAll<number>().as('n'),
      eb.fn.min<number | null>('created_at').as('oldest_created'),
      eb.fn
        .min<number | null>(
          eb.case().when('next_attempt_at', '<=', now).then(eb.ref('next_attempt_at')).end(),
        )
        .as('oldest_due'),
    ])
    .groupBy('status')
    .execute();
  const pending = rows.find((r) => r.status === OUTBOX_STATUS.PENDING);
  const age = (at: number | null | undefined) =>
    at === null || at === undefined ? 0 : Math.max(0, (now - Number(at)) / 1000);
  return {
    counts: new Map(rows.map((r) => [r.status, Number(r.n)])),
    lagSeconds: age(pending?.oldest_due),
    oldestPendingSeconds: age(pending?.oldest_created),
  };
}
