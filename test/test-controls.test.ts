/**
 * The test controls, metrics and audit trail of an embedded server, through its typed helpers
 * (startEmbedded) and over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../src/auth/keys.js';
import { configFromEnv } from '../src/config.js';
import { handlers } from '../src/domain/handlers.js';
import { ApiError } from '../src/contract/errors.js';
import type { OperationName } from '../src/contract/index.js';
import {
  startEmbedded,
  startServer,
  type EmbeddedServer,
  type Input,
  type SigningCredentials,
} from '../src/index.js';
import { answerOf } from './support/admin-call.js';
import { parsePrometheus } from './support/prometheus.js';

const DAY = 86_400_000;

/** A call through the generic client, answered whole; the user agent shows in the audit. */
const call = <N extends OperationName>(
  server: Pick<EmbeddedServer, 'endpoint' | 'credentials'>,
  operation: N,
  input: Input<N>,
  credentials?: SigningCredentials,
) =>
  answerOf(server, operation, input, {
    userAgent: 'ops-test/1.0',
    ...(credentials ? { credentials } : {}),
  });

async function register(server: EmbeddedServer, networkId: string, username: string, code: string) {
  const res = await fetch(`${server.endpoint}/client/v1/networks/${networkId}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, inviteCode: code, deviceName: 'phone', platform: 'iOS' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const fixture = {
  networks: [
    {
      networkId: '40404040',
      networkName: 'controls',
      securityGroups: [{ id: 'grp1', name: 'Everyone', isDefault: true }],
      users: [{ username: 'seeded@example.com', status: 'active' as const }],
    },
  ],
};

describe('startEmbedded helpers', () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbedded({
      env: {},
      fixture,
      registrationRateLimit: { ratePerSecond: 1000, burst: 1000 },
      registrationLockout: 2,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('seeds, invites, reads the code from the mail, registers and resets', async () => {
    expect((await server.export()).networks.map((n) => n.networkId)).toEqual(['40404040']);
    const created = await call(server, 'BatchCreateUser', {
      networkId: '40404040',
      users: [{ username: 'new@example.com', securityGroupIds: ['grp1'] }],
    });
    expect(created.status).toBe(200);

    const { messages: mail } = await server.mail({ recipient: 'new@example.com' });
    expect(mail).toHaveLength(1);
    expect(mail[0]!.networkId).toBe('40404040');
    expect(mail[0]!.inviteCode).toMatch(/^[A-Z0-9]{12}$/);
    expect(mail[0]!.registrationLink).toContain('/client/v1/networks/40404040/invitation?');
    const r = await register(server, '40404040', 'new@example.com', mail[0]!.inviteCode!);
    expect(r.status).toBe(200);

    expect(await server.clearMail()).toEqual({ deleted: 1 });
    expect(await server.mail()).toEqual({ messages: [] });

    expect(await server.reset()).toEqual({ networks: 1 });
    expect((await server.export()).networks).toEqual([]);
    expect((await call(server, 'GetNetwork', { networkId: '40404040' })).status).toBe(404);
    // Keys survive: the root key still signs.
    expect((await call(server, 'ListNetworks', {})).status).toBe(200);
    await server.seed(fixture);
  });

  it('expires an invitation when the clock is advanced', async () => {
    await call(server, 'BatchCreateUser', {
      networkId: '40404040',
      users: [{ username: 'late@example.com', securityGroupIds: ['grp1'], inviteCodeTtl: 1 }],
    });
    const [m] = (await server.mail({ recipient: 'late@example.com' })).messages;
    await server.clock.advance(DAY + 60_000);
    try {
      // Requests are still signed with the real time: SigV4 follows the real clock.
      const r = await register(server, '40404040', 'late@example.com', m!.inviteCode!);
      expect(r.status).toBe(400);
      expect(String(r.body['message'])).toMatch(/expired/);
    } finally {
      await server.clock.reset();
    }
  });

  it('injects faults that change nothing, for the next N calls', async () => {
    const rule = await server.faults.add({
      operation: 'CreateNetwork',
      error: 'RateLimitError',
      times: 2,
    });
    const before = (await server.export()).networks.length;
    for (let i = 0; i < 2; i++) {
      const r = await call(server, 'CreateNetwork', {
        networkName: 'faulted',
        accessLevel: 'STANDARD',
      });
      expect(r.status).toBe(429);
      expect(r.headers.get('x-amzn-errortype')).toBe('RateLimitError');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect((await server.export()).networks.length).toBe(before);
    const ok = await call(server, 'CreateNetwork', {
      networkName: 'faulted',
      accessLevel: 'STANDARD',
    });
    expect(ok.status).toBe(200);
    expect(await server.faults.list()).toEqual({
      rules: [expect.objectContaining({ id: rule.id, fired: 2, remaining: 0 })],
    });
    expect(await server.faults.remove(rule.id)).toEqual({ rules: [] });
    await expect(server.faults.remove(rule.id)).rejects.toMatchObject({
      errorName: 'ResourceNotFoundError',
    });
  });

  it('draws seeded probabilities repeatably', async () => {
    const outcomes = async () => {
      await server.faults.remove();
      await server.faults.add({
        operation: 'ListNetworks',
        error: 'InternalServerError',
        probability: 0.5,
        seed: 7,
      });
      const out = [];
      for (let i = 0; i < 8; i++) out.push((await call(server, 'ListNetworks', {})).status);
      return out;
    };
    const first = await outcomes();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await outcomes()).toEqual(first);
    await server.faults.remove();
  });

  it('drops the connection or adds latency', async () => {
    await server.faults.add({ operation: 'GetNetwork', drop: true, times: 1 });
    await expect(call(server, 'GetNetwork', { networkId: '40404040' })).rejects.toThrow();
    await server.faults.add({ operation: 'GetNetwork', latencyMs: 50, times: 1 });
    const t = performance.now();
    expect((await call(server, 'GetNetwork', { networkId: '40404040' })).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(45);
    await server.faults.remove();
  });

  it('serves Prometheus metrics whose counters move, with no personal labels', async () => {
    const before = parsePrometheus(await server.metrics());
    const ok = { operation: 'ListNetworks', status: '200', error: '' };
    await call(server, 'ListNetworks', {});
    await call(server, 'ListNetworks', {});
    await server.faults.add({ operation: 'ListNetworks', error: 'RateLimitError', times: 1 });
    await call(server, 'ListNetworks', {});
    await call(server, 'BatchCreateUser', {
      networkId: '40404040',
      users: [{ username: 'lock@example.com', securityGroupIds: ['grp1'] }],
    });
    await register(server, '40404040', 'lock@example.com', 'WRONGWRONG22');
    await register(server, '40404040', 'lock@example.com', 'WRONGWRONG22');
    const lookup = await call(server, 'BatchLookupUserUname', {
      networkId: '40404040',
      unames: ['ab'.repeat(32)],
    });
    expect(lookup.status).toBe(200);

    const text = await server.metrics();
    const after = parsePrometheus(text);
    expect(after.types.get('wickr_requests_total')).toBe('counter');
    expect(after.types.get('wickr_request_duration_seconds')).toBe('histogram');
    expect(after.value('wickr_requests_total', ok) - before.value('wickr_requests_total', ok)).toBe(
      2,
    );
    const limited = { operation: 'ListNetworks', status: '429', error: 'RateLimitError' };
    expect(
      after.value('wickr_requests_total', limited) - before.value('wickr_requests_total', limited),
    ).toBe(1);
    expect(
      after.value('wickr_request_duration_seconds_count', { operation: 'ListNetworks' }) -
        before.value('wickr_request_duration_seconds_count', { operation: 'ListNetworks' }),
    ).toBe(3);
    expect(
      after.value('wickr_registration_attempts_total', { outcome: 'refused' }) -
        before.value('wickr_registration_attempts_total', { outcome: 'refused' }),
    ).toBe(2);
    expect(
      after.value('wickr_registration_lockouts_total') -
        before.value('wickr_registration_lockouts_total'),
    ).toBe(1);
    expect(
      after.value('wickr_uname_cache_misses_total') -
        before.value('wickr_uname_cache_misses_total'),
    ).toBe(1);
    expect(after.value('wickr_outbox_messages', { state: 'pending' })).toBeGreaterThanOrEqual(1);
    expect(after.value('wickr_db_pool_connections', { state: 'total' })).toBe(1);
    for (const s of after.samples) {
      for (const v of Object.values(s.labels)) {
        expect(v).not.toMatch(/@|WRONG/);
      }
    }
    await server.faults.remove();
  });

  it('audits changes with secrets masked, and refusals, but not reads', async () => {
    const bot = await call(server, 'CreateBot', {
      networkId: '40404040',
      username: 'auditbot',
      groupId: 'grp1',
      challenge: 'very-secret-challenge-1',
    });
    expect(bot.status).toBe(200);
    const [rec] = (await server.audit({ operation: 'CreateBot' })).records;
    expect(rec).toMatchObject({
      source: 'admin-api',
      operation: 'CreateBot',
      networkId: '40404040',
      outcome: 'success',
      status: 200,
      accessKeyId: server.credentials.accessKeyId,
      accountId: server.credentials.accountId,
      region: 'us-east-1',
      userAgent: 'ops-test/1.0',
      parameters: {
        networkId: '40404040',
        username: 'auditbot',
        groupId: 'grp1',
        challenge: '***',
      },
    });
    expect(rec!.sourceIp).toMatch(/127\.0\.0\.1/);
    expect(rec!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(await server.audit())).not.toContain('very-secret-challenge-1');

    await call(server, 'GetNetwork', { networkId: '40404040' });
    expect(await server.audit({ operation: 'GetNetwork' })).toEqual({ records: [] });

    const bad = await call(
      server,
      'ListNetworks',
      {},
      {
        accessKeyId: server.credentials.accessKeyId,
        secretAccessKey: 'not-the-secret',
      },
    );
    expect(bad.status).toBe(401);
    const [refused] = (await server.audit({ operation: 'ListNetworks' })).records;
    expect(refused).toMatchObject({
      outcome: 'refused',
      status: 401,
      errorName: 'UnauthorizedError',
      accessKeyId: server.credentials.accessKeyId,
    });

    const reader = await createKey(server.server.store.db, {
      accountId: server.credentials.accountId,
      actions: ['wickr:Get*', 'wickr:List*'],
    });
    const denied = await call(server, 'DeleteNetwork', { networkId: '40404040' }, reader);
    expect(denied.status).toBe(403);
    const [forbidden] = (
      await server.audit({ operation: 'DeleteNetwork', accessKeyId: reader.accessKeyId })
    ).records;
    expect(forbidden).toMatchObject({ outcome: 'refused', status: 403, networkId: '40404040' });
  });
});

describe('audit records join the change', () => {
  it('leaves no record of a rolled-back change', async () => {
    const config = {
      ...configFromEnv({}),
      port: 0,
      databaseUrl: 'sqlite::memory:',
      logLevel: 'silent',
      rootAccessKeyId: 'AKIAROLLBACKTEST0001',
      rootSecretAccessKey: 'rollback-secret-rollback-secret',
      writeCredentialsFile: false,
      testControls: true,
    };
    const running = await startServer(config, {
      handlers: {
        ...handlers,
        // Writes the network, then fails: the transaction must take both back.
        CreateNetwork: async (ctx, input) => {
          await handlers.CreateNetwork!(ctx, input);
          throw new ApiError('InternalServerError', 'failed after writing');
        },
      },
    });
    try {
      const server = {
        endpoint: running.endpoint,
        credentials: {
          accessKeyId: config.rootAccessKeyId,
          secretAccessKey: config.rootSecretAccessKey,
          accountId: config.accountId,
          region: 'us-east-1',
        },
      } as EmbeddedServer;
      const r = await call(server, 'CreateNetwork', {
        networkName: 'doomed',
        accessLevel: 'STANDARD',
      });
      expect(r.status).toBe(500);
      const controls = running.controls!;
      expect((await controls.export()).networks).toEqual([]);
      expect(await controls.audit({ operation: 'CreateNetwork' })).toEqual([]);
    } finally {
      await running.close();
    }
  });
});

describe('switching the controls', () => {
  const base = () => ({
    ...configFromEnv({}),
    port: 0,
    databaseUrl: 'sqlite::memory:',
    logLevel: 'silent',
    writeCredentialsFile: false,
  });

  it('serves no controls when off', async () => {
    const running = await startServer({ ...base(), testControls: false });
    try {
      const res = await fetch(`${running.endpoint}/_wickr/reset`, { method: 'POST' });
      expect(res.status).toBe(404);
      expect(running.controls).toBeUndefined();
    } finally {
      await running.close();
    }
  });

  it('refuses to start beyond loopback without a token', async () => {
    await expect(startServer({ ...base(), host: '0.0.0.0', testControls: true })).rejects.toThrow(
      /WICKR_TEST_CONTROLS_TOKEN/,
    );
  });

  it('requires the token on a non-loopback address', async () => {
    const running = await startServer({
      ...base(),
      host: '0.0.0.0',
      testControls: true,
      testControlsToken: 'tok-123',
      metricsToken: 'met-456',
    });
    try {
      const port = new URL(running.endpoint).port;
      const url = `http://127.0.0.1:${port}`;
      expect((await fetch(`${url}/_wickr/clock`)).status).toBe(401);
      expect(
        (await fetch(`${url}/_wickr/clock`, { headers: { authorization: 'Bearer wrong' } })).status,
      ).toBe(401);
      const ok = await fetch(`${url}/_wickr/clock`, {
        headers: { authorization: 'Bearer tok-123' },
      });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { offsetMs: number }).offsetMs).toBe(0);
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const m = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer met-456' } });
      expect(m.status).toBe(200);
      expect(await m.text()).toContain('wickr_requests_total');
    } finally {
      await running.close();
    }
  });

  it('keeps the metrics of two servers in one process apart', async () => {
    const a = await startEmbedded({ env: {} });
    const b = await startEmbedded({ env: {} });
    try {
      await call(a, 'ListNetworks', {});
      const key = { operation: 'ListNetworks', status: '200' };
      expect(parsePrometheus(await a.metrics()).value('wickr_requests_total', key)).toBe(1);
      expect(parsePrometheus(await b.metrics()).value('wickr_requests_total', key)).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
