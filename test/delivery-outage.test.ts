// The delivery worker against an SMTP server that is down, silent or refusing, on both engines,
// with real SMTP servers on loopback: the API keeps answering, DeleteNetwork and close() end,
// and queued invitations are delivered exactly once when the server takes mail again.
// Temporary refusals are retried for the retry lifetime (driven with the server's clock), a
// permanent one fails at once.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { configFromEnv, startEmbedded, type EmbeddedServer } from '../src/index.js';
import { MAX_BACKOFF_MS } from '../src/delivery/worker.js';
import { adminClient, networkWithGroup, statusOf } from './support/admin-call.js';
import {
  databaseFor,
  dbOf,
  freePort,
  outboxOf,
  pendingMail,
  silentPeer,
  type Refusal,
  startReceiver,
  waitFor,
} from './support/delivery.js';
import { bin } from './support/cli-run.js';
import { startMailSink, type MailSink } from './support/mail-sink.js';
import { parsePrometheus } from './support/prometheus.js';

/** The server's log lines, parsed. */
function logCollector() {
  const lines: Record<string, unknown>[] = [];
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino(stream), lines, text: () => text };
}

/** `p`, or a failure naming `what` when it has not settled after `ms` (a hang, not a speed test). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Invites `count` users named `<tag>-<i>@example.com`; returns their addresses and codes. */
async function invite(server: EmbeddedServer, tag: string, count: number) {
  const client = adminClient(server);
  const { networkId, groupId } = await networkWithGroup(client, tag);
  const created = await client.call('BatchCreateUser', {
    networkId,
    users: Array.from({ length: count }, (_, i) => ({
      username: `${tag}-${i}@example.com`,
      securityGroupIds: [groupId],
    })),
  });
  const users = created.successful ?? [];
  return {
    networkId,
    names: users.map((u) => u.username!),
    codes: users.map((u) => u.inviteCode!),
  };
}

async function health(server: EmbeddedServer): Promise<number> {
  return (await fetch(`${server.endpoint}/health`)).status;
}

/** Every pending message of these networks has been tried at least `n` times. */
async function triedAtLeast(server: EmbeddedServer, networkIds: string[], n: number) {
  for (const id of networkIds) {
    for (const row of await outboxOf(dbOf(server), id)) {
      if (row.status === 'pending' && row.attempts < n) return false;
    }
  }
  return true;
}

const deliveries = async (server: EmbeddedServer, outcome: string) =>
  parsePrometheus(await server.metrics()).value('wickr_outbox_delivery_attempts_total', {
    outcome,
  });

describe.each(['sqlite', 'postgres'])('an SMTP outage, on %s', (engine) => {
  it('a stopped SMTP server: the API answers, DeleteNetwork answers, and the invitations go out once when it is back', async () => {
    const database = await databaseFor(engine);
    const port = await freePort();
    const log = logCollector();
    const server = await startEmbedded({
      databaseUrl: database.url,
      smtpUrl: `smtp://127.0.0.1:${port}`,
      logger: log.logger,
    });
    let sink: MailSink | undefined;
    try {
      const kept = await invite(server, 'kept', 5);
      const doomed = await invite(server, 'doomed', 3);
      const networks = [kept.networkId, doomed.networkId];
      // Round after round of refused connections (nodemailer's pool stopped trying after as
      // many as it had connections, and its sends never settled).
      for (let round = 1; round <= 3; round++) {
        await waitFor(() => triedAtLeast(server, networks, round), `attempt ${round} of each`);
        server.clock.advance(MAX_BACKOFF_MS);
      }
      expect(await health(server)).toBe(200);
      // The age of the oldest waiting message tells the outage (the clock moved 45 min).
      const oldest = async () =>
        parsePrometheus(await server.metrics()).value('wickr_outbox_oldest_pending_age_seconds');
      expect(await oldest()).toBeGreaterThanOrEqual(45 * 60);
      const client = adminClient(server);
      expect((await client.call('ListUsers', { networkId: kept.networkId })).users).toHaveLength(5);
      const del = await statusOf(client.call('DeleteNetwork', { networkId: doomed.networkId }));
      expect(del.status, del.body).toBe(200);

      sink = await startMailSink(port);
      server.clock.advance(MAX_BACKOFF_MS);
      for (const name of kept.names) expect(await sink.waitFor(name)).toHaveLength(1);
      await waitFor(async () => (await pendingMail(dbOf(server))) === 0, 'an empty queue');
      // Exactly once each, and nothing for the deleted network.
      expect(
        sink
          .messages()
          .map((m) => m.to[0])
          .sort(),
      ).toEqual([...kept.names].sort());
      const rows = await outboxOf(dbOf(server), kept.networkId);
      expect(rows.map((r) => r.status)).toEqual(Array(5).fill('sent'));
      expect(rows.every((r) => r.attempts >= 4)).toBe(true);

      // Logged and counted: a warning per failed attempt naming the message and the error,
      // the recovery, and never an invite code.
      const failed = log.lines.filter((l) => l['msg'] === 'invitation delivery failed; will retry');
      expect(failed.length).toBeGreaterThanOrEqual(8 * 3);
      for (const l of failed) {
        expect(typeof l['outboxId']).toBe('number');
        expect(l['reply']).toMatch(/ECONNREFUSED/);
      }
      expect(
        log.lines.some((l) => String(l['msg']).startsWith('invitation delivery resumed')),
      ).toBe(true);
      for (const code of [...kept.codes, ...doomed.codes]) expect(log.text()).not.toContain(code);
      expect(await deliveries(server, 'retry')).toBeGreaterThanOrEqual(8 * 3);
      expect(await deliveries(server, 'sent')).toBe(5);
      expect(await oldest()).toBe(0);
    } finally {
      await server.close();
      await sink?.stop();
      await database.drop();
    }
  }, 120_000);

  it('a peer that never greets: the API answers, DeleteNetwork and close() end, and a restart delivers once', async () => {
    const database = await databaseFor(engine);
    const peer = await silentPeer();
    let sink: MailSink | undefined;
    let second: EmbeddedServer | undefined;
    try {
      // The default deadlines (half a minute for the greeting): the sends hang meanwhile.
      const first = await startEmbedded({
        databaseUrl: database.url,
        smtpUrl: `smtp://127.0.0.1:${peer.port}`,
      });
      let kept: Awaited<ReturnType<typeof invite>>;
      try {
        const doomed = await invite(first, 'doomed', 3);
        await waitFor(() => peer.accepted() >= 3, 'the invitations to be in flight');
        kept = await invite(first, 'kept', 3);
        expect(await within(health(first), 10_000, '/health')).toBe(200);
        const client = adminClient(first);
        const users = await within(
          client.call('ListUsers', { networkId: kept.networkId }),
          10_000,
          'ListUsers',
        );
        expect(users.users).toHaveLength(3);
        const del = await within(
          statusOf(client.call('DeleteNetwork', { networkId: doomed.networkId })),
          20_000,
          'DeleteNetwork',
        );
        expect(del.status, del.body).toBe(200);
      } finally {
        await within(first.close(), 10_000, 'close()');
      }

      await peer.close();
      sink = await startMailSink(peer.port);
      second = await startEmbedded({ databaseUrl: database.url, smtpUrl: sink.url });
      for (const name of kept.names) expect(await sink.waitFor(name)).toHaveLength(1);
      await waitFor(async () => (await pendingMail(dbOf(second!))) === 0, 'an empty queue');
      expect(
        sink
          .messages()
          .map((m) => m.to[0])
          .sort(),
      ).toEqual([...kept.names].sort());
      // The interrupted sends were not counted as attempts.
      const rows = await outboxOf(dbOf(second), kept.networkId);
      expect(rows.map((r) => [r.status, r.attempts])).toEqual(Array(3).fill(['sent', 1]));
    } finally {
      await second?.close();
      await sink?.stop();
      await peer.close();
      await database.drop();
    }
  }, 120_000);

  it('SIGTERM ends `wickr-admin serve` while sends hang and a DeleteNetwork waits for them', async () => {
    const database = engine === 'postgres' ? await databaseFor(engine) : undefined;
    const peer = await silentPeer();
    const home = mkdtempSync(join(tmpdir(), 'wickr-sigterm-'));
    const credentials = {
      accessKeyId: 'AKIASIGTERMTEST00001',
      secretAccessKey: 'sigterm-test-secret-key-0000000000000000',
      accountId: '000000000000',
      region: 'us-east-1',
    };
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--port', '0', '--database', database?.url ?? 'sqlite::memory:'],
      {
        env: {
          PATH: process.env['PATH'],
          HOME: home,
          WICKR_LOG_LEVEL: 'warn',
          WICKR_SMTP_URL: `smtp://127.0.0.1:${peer.port}`,
          WICKR_ROOT_ACCESS_KEY_ID: credentials.accessKeyId,
          WICKR_ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      let output = '';
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const endpoint = await within(
        new Promise<string>((resolve) => {
          child.stdout.on('data', (d: Buffer) => {
            output += d.toString();
            const m = /Wickr Admin API at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
            if (m) resolve(m[1]!);
          });
        }),
        60_000,
        'the start-up line',
      );
      const server = { endpoint, credentials };
      const client = adminClient(server);
      const { networkId, groupId } = await networkWithGroup(client, 'sigterm');
      await client.call('BatchCreateUser', {
        networkId,
        users: [0, 1, 2].map((i) => ({
          username: `sigterm-${i}@example.com`,
          securityGroupIds: [groupId],
        })),
      });
      await waitFor(() => peer.accepted() >= 3, 'the invitations to be in flight');
      const deleting = statusOf(client.call('DeleteNetwork', { networkId })).catch(
        (e: unknown) => ({ status: 0, body: String(e) }),
      );
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGTERM');
      expect(await within(exited, 20_000, 'the process after SIGTERM'), output).toBe(0);
      // Answered before the process went, or cut off by the shutdown: never left hanging.
      await deleting;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await peer.close();
      rmSync(home, { recursive: true, force: true });
      await database?.drop();
    }
  }, 120_000);

  /** A server whose SMTP server answers RCPT TO as `refuse` says, and a network to invite into. */
  async function refusing(refuse: (to: string) => Refusal | undefined, mailRetryHours = 120) {
    const database = await databaseFor(engine);
    const receiver = await startReceiver({ refuse });
    const log = logCollector();
    const server = await startEmbedded({
      databaseUrl: database.url,
      smtpUrl: receiver.url,
      logger: log.logger,
      mailRetryHours,
    });
    const client = adminClient(server);
    const { networkId, groupId } = await networkWithGroup(client, 'refusals');
    return {
      server,
      receiver,
      log,
      async invite(names: string[]) {
        await client.call('BatchCreateUser', {
          networkId,
          users: names.map((n) => ({ username: `${n}@example.com`, securityGroupIds: [groupId] })),
        });
      },
      /** The outbox row of the message to `<name>@example.com`. */
      async row(name: string) {
        const rows = await outboxOf(dbOf(server), networkId);
        return rows.find((r) => r.recipient === `${name}@example.com`)!;
      },
      async close() {
        await server.close();
        await receiver.close();
        await database.drop();
      },
    };
  }

  it('451 for longer than the old ten attempts: delivered once the server takes mail again', async () => {
    let deferring = true;
    const t = await refusing((to) =>
      deferring && to.startsWith('slow')
        ? { code: 451, message: '4.7.1 Try again later' }
        : undefined,
    );
    try {
      const names = ['slow-1', 'slow-2', 'slow-3'];
      await t.invite(names);
      // Twelve answers of 451 (the old worker gave up after ten attempts).
      for (let round = 1; round <= 12; round++) {
        await waitFor(async () => {
          for (const n of names) if ((await t.row(n)).attempts < round) return false;
          return true;
        }, `451 number ${round}`);
        t.server.clock.advance(MAX_BACKOFF_MS);
      }
      for (const n of names) {
        expect(await t.row(n)).toMatchObject({ status: 'pending' });
        expect((await t.row(n)).last_error).toMatch(/451 4\.7\.1 Try again later/);
      }
      expect(t.receiver.received).toEqual([]);

      deferring = false;
      t.server.clock.advance(MAX_BACKOFF_MS);
      await waitFor(async () => {
        for (const n of names) if ((await t.row(n)).status !== 'sent') return false;
        return true;
      }, 'the deferred invitations');
      expect(t.receiver.received.map((m) => m.to).sort()).toEqual(
        names.map((n) => `${n}@example.com`),
      );
      const warnings = t.log.lines.filter(
        (l) => l['msg'] === 'invitation delivery failed; will retry',
      );
      expect(warnings.length).toBeGreaterThanOrEqual(3 * 12);
      expect(warnings.every((l) => /451 4\.7\.1/.test(String(l['reply'])))).toBe(true);
      expect(await deliveries(t.server, 'retry')).toBeGreaterThanOrEqual(3 * 12);
      expect(await deliveries(t.server, 'sent')).toBe(3);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('a 5xx refusal fails the message at once; the others are delivered', async () => {
    const t = await refusing((to) =>
      to.startsWith('bounce') ? { code: 550, message: '5.1.1 No such user' } : undefined,
    );
    try {
      await t.invite(['bounce-1', 'ok-1']);
      await waitFor(async () => (await t.row('bounce-1')).status !== 'pending', 'the 550');
      expect(await t.row('bounce-1')).toMatchObject({ status: 'failed', attempts: 1 });
      expect((await t.row('bounce-1')).last_error).toMatch(/550 5\.1\.1 No such user/);
      await waitFor(async () => (await t.row('ok-1')).status === 'sent', 'ok-1');
      expect(t.receiver.received.map((m) => m.to)).toEqual(['ok-1@example.com']);
      expect(await deliveries(t.server, 'failed')).toBe(1);
      expect(await deliveries(t.server, 'retry')).toBe(0);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('temporary failures fail the message once it is older than the retry lifetime', async () => {
    const t = await refusing(() => ({ code: 451, message: '4.7.1 Try again later' }), 1);
    try {
      await t.invite(['never-1']);
      await waitFor(async () => (await t.row('never-1')).attempts >= 1, 'the first 451');
      expect(await t.row('never-1')).toMatchObject({ status: 'pending' });
      t.server.clock.advance(61 * 60_000);
      await waitFor(async () => (await t.row('never-1')).status === 'failed', 'the give-up');
      expect((await t.row('never-1')).last_error).toMatch(
        /^gave up after 2 attempts in 1 h: .*451 4\.7\.1/,
      );
      expect(t.log.lines.some((l) => l['msg'] === 'invitation delivery gave up')).toBe(true);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe('delivery configuration', () => {
  it('reads the retry lifetime and the send deadline from the environment', () => {
    expect(configFromEnv({})).toMatchObject({ mailRetryHours: 120, smtpTimeoutMs: 60_000 });
    const set = configFromEnv({ WICKR_MAIL_RETRY_HOURS: '1.5', WICKR_SMTP_TIMEOUT_MS: '5000' });
    expect(set).toMatchObject({ mailRetryHours: 1.5, smtpTimeoutMs: 5000 });
    expect(() => configFromEnv({ WICKR_SMTP_TIMEOUT_MS: '0' })).toThrow(/greater than 0/);
  });
});
