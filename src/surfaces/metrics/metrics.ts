/**
 * The server's Prometheus metrics (prom-client), in a registry of its own so that several
 * embedded servers in one process keep theirs apart. Hot paths only bump numbers: request
 * counters are label children made once per operation; cache, pool and outbox figures are
 * read when /metrics is scraped.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { OperationObserver } from '../../pipeline/observe.js';

export interface MetricSources {
  db: Kysely<Database>;
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

  constructor(sources: MetricSources) {
    const registers = [this.registry];
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
      help: 'Requests refused by a rate limit, by limit (access_key, registration)',
      labelNames: ['limit'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'wickr_outbox_delivery_attempts_total',
      help: 'SMTP delivery attempts by outcome (sent, retry, failed)',
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
    new Gauge({
      name: 'wickr_outbox_messages',
      help: 'Outbox messages by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const rows = await sources.db
          .selectFrom('outbox')
          .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('status')
          .execute();
        this.reset();
        for (const s of ['pending', 'sent', 'failed', 'superseded']) this.set({ state: s }, 0);
        for (const r of rows) this.set({ state: r.status }, Number(r.n));
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
