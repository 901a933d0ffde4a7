/**
 * GET /metrics tells the truth: the process's own metrics, a pool gauge that does not count the
 * scrape's own query, every outbox state, the delivery lag and the audit-record rate, on both
 * engines (a real server, real SQLite file or PostgreSQL database, real HTTP).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient, networkWithGroup } from './support/admin-call.js';
import { createTestDatabase } from './support/postgres.mjs';
import { parsePrometheus } from './support/prometheus.js';

async function databaseFor(engine: string) {
  if (engine === 'postgres') return createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'wickr-metrics-'));
  return {
    url: `sqlite:${join(dir, 'w.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The scrape as Prometheus makes it: GET /metrics over HTTP. */
async function scrape(server: EmbeddedServer, token?: string) {
  const res = await fetch(`${server.endpoint}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(res.status).toBe(200);
  return parsePrometheus(await res.text());
}

describe('process and Node.js metrics', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbedded({ env: {}, metricsToken: 'scrape-me' });
  });
  afterAll(() => server?.close());

  it("are served with the server's own, behind the same token", async () => {
    const refused = await fetch(`${server.endpoint}/metrics`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain('process_');
    const m = await scrape(server, 'scrape-me');
    for (const [name, type] of [
      ['process_cpu_user_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['process_open_fds', 'gauge'],
      ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
      ['nodejs_gc_duration_seconds', 'histogram'],
      ['nodejs_active_handles_total', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
    ] as const) {
      expect(m.types.get(name), name).toBe(type);
    }
    expect(m.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.value('nodejs_active_handles_total')).toBeGreaterThan(0);
    expect(m.types.get('wickr_requests_total')).toBe('counter');
  });

  it('are one set per process: a second server lists the same ones', async () => {
    const other = await startEmbedded({ env: {} });
    try {
      const names = (m: ReturnType<typeof parsePrometheus>) =>
        [...m.types.keys()].filter((n) => /^(process|nodejs)_/.test(n)).sort();
      const mine = names(await scrape(server, 'scrape-me'));
      expect(mine.length).toBeGreaterThan(10);
      expect(names(parsePrometheus(await other.metrics()))).toEqual(mine);
    } finally {
      await other.close();
    }
  });
});

describe.each(['sqlite', 'postgres'])('server metrics on %s', (engine) => {
  let database: { url: string; drop(): Promise<void> };
  let server: EmbeddedServer;

  beforeAll(async () => {
    database = await databaseFor(engine);
    server = await startEmbedded({ env: {}, databaseUrl: database.url });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('the pool gauge counts no request waiting on an idle server, at any scrape', async () => {
    const client = adminClient(server);
    // Connections opened, then idle in the pool (PostgreSQL), as on a replica between requests.
    await Promise.all([1, 2, 3].map(() => client.call('ListNetworks', {})));
    for (let i = 0; i < 5; i++) {
      const m = await scrape(server);
      expect(m.value('wickr_db_pool_connections', { state: 'waiting' }), `scrape ${i}`).toBe(0);
      expect(m.value('wickr_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
      expect(m.value('wickr_metrics_database_read_failures_total')).toBe(0);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('lists every outbox state, withdrawn included, and the delivery lag follows the clock', async () => {
    const client = adminClient(server);
    const { networkId, groupId } = await networkWithGroup(client, 'metrics-outbox');
    const created = await client.call('BatchCreateUser', {
      networkId,
      users: ['a', 'b', 'c'].map((n) => ({
        username: `${n}@example.com`,
        securityGroupIds: [groupId],
      })),
    });
    const [a, b] = (created.successful ?? []).map((u) => u.userId!);
    // Suspending withdraws a's invitation; reinviting supersedes b's first one.
    await client.call('BatchToggleUserSuspendStatus', { networkId, suspend: true, userIds: [a!] });
    await client.call('BatchReinviteUser', { networkId, userIds: [b!] });

    const m = await scrape(server);
    const state = (s: string) => m.value('wickr_outbox_messages', { state: s });
    expect(
      m.samples
        .filter((s) => s.name === 'wickr_outbox_messages')
        .map((s) => s.labels['state'])
        .sort(),
    ).toEqual(['failed', 'pending', 'sent', 'superseded', 'withdrawn']);
    expect([state('pending'), state('withdrawn'), state('superseded')]).toEqual([2, 1, 1]);
    expect([state('sent'), state('failed')]).toEqual([0, 0]);

    // No SMTP here: the two pending messages stay due. Ten minutes later they are that late.
    server.clock.advance(600_000);
    const later = await scrape(server);
    expect(later.value('wickr_outbox_delivery_lag_seconds')).toBeGreaterThanOrEqual(600);
    expect(later.value('wickr_outbox_delivery_lag_seconds')).toBeLessThan(660);
    expect(later.value('wickr_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(600);
    server.clock.reset();
  });

  it('counts audit records by source and outcome as they are written', async () => {
    const client = adminClient(server);
    const key = { source: 'admin-api', outcome: 'success' };
    const before = await scrape(server);
    await client.call('CreateNetwork', { networkName: 'audited', accessLevel: 'STANDARD' });
    const refused = await fetch(`${server.endpoint}/networks`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIANOSUCHKEY/x, Signature=00' },
    });
    expect(refused.status).toBe(401);
    const after = await scrape(server);
    const delta = (labels: Record<string, string>) =>
      after.value('wickr_audit_records_total', labels) -
      before.value('wickr_audit_records_total', labels);
    expect(delta(key)).toBe(1);
    expect(delta({ source: 'admin-api', outcome: 'refused' })).toBe(1);
    expect((await server.audit({})).records.length).toBeGreaterThanOrEqual(2);
  });
});
