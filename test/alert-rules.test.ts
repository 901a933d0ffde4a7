/**
 * The documented alert rules (examples/prometheus/wickr-alerts.yml) against real servers: each
 * expression is valid PromQL (Prometheus' own grammar) within the subset test/support/promql.ts
 * evaluates; none fires on a healthy server, on either engine; on a broken one exactly the
 * rules for what broke fire. Scrapes are made as Prometheus makes them (GET /metrics over HTTP,
 * `job` and `instance` added, `up` 0 when the scrape fails).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient, networkWithGroup, statusOf } from './support/admin-call.js';
import { repoRoot } from './support/cli-run.js';
import { startMailSink, type MailSink } from './support/mail-sink.js';
import { createTestDatabase } from './support/postgres.mjs';
import { parsePrometheus } from './support/prometheus.js';
import { evaluate, parsePromql, type Scrape } from './support/promql.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const RULE_FILE = join(repoRoot, 'examples', 'prometheus', 'wickr-alerts.yml');
const rules = (parse(readFileSync(RULE_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups
  .flatMap((g) => g.rules)
  .map((r) => ({ ...r, expr: r.expr.trim() }));

/** Scrapes one server as Prometheus would, keeping the history the rules are evaluated on. */
class Watch {
  readonly history: Scrape[] = [];
  private readonly instance: string;
  constructor(private readonly endpoint: string) {
    this.instance = new URL(endpoint).host;
  }
  async scrape(): Promise<void> {
    const at = Date.now();
    const target = { job: 'wickr', instance: this.instance };
    let text: string | undefined;
    try {
      const res = await fetch(`${this.endpoint}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (res.ok) text = await res.text();
    } catch {
      // A failed scrape: up is 0.
    }
    const samples = text
      ? parsePrometheus(text).samples.map((s) => ({ ...s, labels: { ...s.labels, ...target } }))
      : [];
    samples.push({ name: 'up', labels: target, value: text ? 1 : 0 });
    this.history.push({ at, samples });
  }
  /** The alerts whose condition holds at the latest scrape, by name. */
  firing(): string[] {
    return rules.filter((r) => evaluate(r.expr, this.history).length > 0).map((r) => r.alert);
  }
}

async function databaseFor(engine: string) {
  if (engine === 'postgres') return createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'wickr-alerts-'));
  return {
    url: `sqlite:${join(dir, 'w.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serverOn(engine: string, options: { smtp?: boolean } = {}) {
  const database = await databaseFor(engine);
  cleanups.push(() => database.drop());
  let sink: MailSink | undefined;
  if (options.smtp) {
    sink = await startMailSink();
    cleanups.push(() => sink!.stop());
  }
  const server = await startEmbedded({
    env: {},
    databaseUrl: database.url,
    ...(sink ? { smtpUrl: sink.url } : {}),
  });
  cleanups.push(() => server.close());
  const watch = new Watch(server.endpoint);
  // The server runs in this process: its start-up (synchronous SQLite migrations) shows as
  // event-loop lag in the first scrape, which Prometheus' `for:` would outlast. Not kept.
  await watch.scrape();
  watch.history.length = 0;
  return { server, database, watch };
}

async function invite(server: EmbeddedServer, name: string, count: number) {
  const client = adminClient(server);
  const { networkId, groupId } = await networkWithGroup(client, name);
  await client.call('BatchCreateUser', {
    networkId,
    users: Array.from({ length: count }, (_, i) => ({
      username: `${name}-${i}@example.com`,
      securityGroupIds: [groupId],
    })),
  });
  return { client, networkId };
}

describe('the rule file', () => {
  it('holds alerts with a duration, a severity and a summary, in valid PromQL of the tested subset', () => {
    expect(rules.length).toBeGreaterThanOrEqual(8);
    const blank: Scrape[] = [
      { at: 0, samples: [] },
      { at: 60_000, samples: [] },
    ];
    for (const r of rules) {
      expect(r.alert, r.expr).toMatch(/^Wickr[A-Za-z]+$/);
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], r.alert).toContain(r.labels?.['severity']);
      expect(r.annotations?.['summary'], r.alert).toBeTruthy();
      parsePromql(r.expr);
      // Evaluating reaches every node: anything outside the subset throws.
      expect(evaluate(r.expr, blank), r.alert).toEqual([]);
    }
  });

  it('is checked by a parser that refuses what Prometheus refuses, and an evaluator that refuses what it cannot do', () => {
    expect(() => parsePromql('rate(wickr_requests_total[5m) > 1')).toThrow(/not valid PromQL/);
    expect(() =>
      evaluate('histogram_quantile(0.9, wickr_request_duration_seconds_bucket) > 1', []),
    ).toThrow(/outside the tested subset/);
  });
});

describe.each(['sqlite', 'postgres'])('on a healthy server on %s', (engine) => {
  it('no alert fires', async () => {
    const { server, watch } = await serverOn(engine, { smtp: true });
    const { client, networkId } = await invite(server, 'healthy', 5);
    await watch.scrape();
    for (let i = 0; i < 20; i++) await client.call('ListNetworks', {});
    await client.call('ListUsers', { networkId });
    // Clients' own mistakes (4xx) are no server trouble.
    expect((await statusOf(client.call('GetNetwork', { networkId: '99999999' }))).status).toBe(404);
    await new Promise((r) => setTimeout(r, 500));
    await watch.scrape();
    await watch.scrape();
    expect(watch.firing()).toEqual([]);
    const last = watch.history.at(-1)!.samples;
    // What the rules read is there (a rule on a missing series can never fire).
    for (const name of [
      'wickr_db_pool_connections',
      'wickr_outbox_delivery_lag_seconds',
      'wickr_outbox_oldest_pending_age_seconds',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(
        last.some((s) => s.name === name),
        name,
      ).toBe(true);
  });
});

describe('on a broken server, the alert for what broke fires', () => {
  it('WickrDown: the server stopped', async () => {
    const { server, watch } = await serverOn('sqlite');
    await watch.scrape();
    expect(watch.firing()).toEqual([]);
    await server.close();
    await watch.scrape();
    expect(watch.firing()).toEqual(['WickrDown']);
  });

  it('WickrHighErrorRate: requests end in server errors', async () => {
    const { server, watch } = await serverOn('sqlite');
    const client = adminClient(server);
    await watch.scrape();
    // A rate needs two samples of a series: the 500s' series is born at the first scrape after
    // the first one, as in Prometheus.
    for (const round of [1, 2]) {
      server.faults.add({ operation: 'ListNetworks', error: 'InternalServerError', times: 5 });
      for (let i = 0; i < 10; i++) await statusOf(client.call('ListNetworks', {}));
      await watch.scrape();
      if (round === 1) expect(watch.firing()).toEqual([]);
    }
    expect(watch.firing()).toEqual(['WickrHighErrorRate']);
  });

  it('WickrManyUnauthorizedRequests: requests signed with an unknown key', async () => {
    const { server, watch } = await serverOn('sqlite');
    await watch.scrape();
    for (const round of [1, 2]) {
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${server.endpoint}/networks`, {
          headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIANOSUCHKEY/x, Signature=00' },
        });
        expect(res.status).toBe(401);
      }
      await watch.scrape();
      if (round === 1) expect(watch.firing()).toEqual([]);
    }
    expect(watch.firing()).toEqual(['WickrManyUnauthorizedRequests']);
  });

  it.each(['sqlite', 'postgres'])(
    'WickrInvitationsNotSent and WickrInvitationsDelayed: no mail leaves for hours, on %s',
    async (engine) => {
      const { server, watch } = await serverOn(engine);
      await invite(server, 'stuck', 2);
      await watch.scrape();
      expect(watch.firing()).toEqual([]);
      server.clock.advance(2 * 3_600_000);
      await watch.scrape();
      expect(watch.firing().sort()).toEqual(['WickrInvitationsDelayed', 'WickrInvitationsNotSent']);
    },
  );

  it('WickrDatabasePoolSaturated and WickrDatabaseUnresponsive: a lock held elsewhere, on postgres', async () => {
    const { server, database, watch } = await serverOn('postgres');
    const client = adminClient(server);
    await client.call('ListNetworks', {});
    await watch.scrape();
    expect(watch.firing()).toEqual([]);
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    cleanups.push(() => other.end());
    await other.query('BEGIN');
    await other.query('LOCK TABLE networks IN ACCESS EXCLUSIVE MODE');
    // Twelve requests wait on the lock: ten hold every pooled connection, two wait for one.
    const stuck = Array.from({ length: 12 }, () => statusOf(client.call('ListNetworks', {})));
    for (let i = 0; i < 100 && server.server.store.poolStats().waiting < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    await watch.scrape();
    const firing = watch.firing().sort();
    await other.query('ROLLBACK');
    for (const r of await Promise.all(stuck)) expect(r.status).toBe(200);
    expect(firing).toEqual(['WickrDatabasePoolSaturated', 'WickrDatabaseUnresponsive']);
  });

  it('WickrEventLoopBlocked: the process stalls', async () => {
    const { watch } = await serverOn('sqlite');
    await watch.scrape();
    expect(watch.firing()).toEqual([]);
    // The server runs in this process: a synchronous second stalls its event loop. Node's
    // monitor records a stall at its next tick (every 10 ms) and skips the first tick after a
    // scrape reset it: the stall starts after one tick and is scraped after the next.
    await new Promise((r) => setTimeout(r, 50));
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      // busy
    }
    await new Promise((r) => setTimeout(r, 100));
    await watch.scrape();
    expect(watch.firing()).toEqual(['WickrEventLoopBlocked']);
  });
});
