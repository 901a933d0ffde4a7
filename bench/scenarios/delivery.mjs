// `delivery`: 10,000 invitations queued (BatchCreateUser, 50 a request, with no SMTP
// configured), then delivered to local SMTP receivers that accept as fast as they can. SQLite:
// one server; PostgreSQL: two replicas on one database, each with its own receiver, so the
// receivers' counts are the split. Measured from the first message received to the last.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { BATCH, log } from '../lib/bench-run.mjs';
import { TMP } from '../lib/seed.mjs';
import { startServer } from '../lib/server.mjs';
import { benchClient } from '../lib/client.mjs';

const INVITATIONS = 10_000;

/** An SMTP receiver that counts messages and keeps the time of the first and the last. */
async function startReceiver() {
  const r = { count: 0, first: 0, last: 0 };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        const now = performance.now();
        if (r.count++ === 0) r.first = now;
        r.last = now;
        callback();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `smtp://127.0.0.1:${server.server.address().port}`;
  r.close = () => new Promise((resolve) => server.close(resolve));
  return r;
}

/** Queues INVITATIONS invitations through the API of a server without SMTP. */
async function queueInvitations(databaseUrl, runTag) {
  const server = await startServer(databaseUrl);
  try {
    const client = benchClient(server.endpoint);
    const net = await client.call('CreateNetwork', {
      networkName: 'delivery',
      accessLevel: 'STANDARD',
    });
    const groups = await client.call('ListSecurityGroups', { networkId: net.networkId });
    const group = groups.securityGroups[0].id;
    for (let i = 0; i < INVITATIONS / BATCH; i++) {
      const users = Array.from({ length: BATCH }, (_, j) => ({
        username: `d${runTag}-${i * BATCH + j}@example.com`,
        securityGroupIds: [group],
      }));
      await client.call('BatchCreateUser', { networkId: net.networkId, users });
    }
  } finally {
    await server.stop();
  }
}

async function deliver(databaseUrl, replicas) {
  const receivers = await Promise.all(Array.from({ length: replicas }, startReceiver));
  const servers = [];
  try {
    for (const r of receivers) {
      servers.push(await startServer(databaseUrl, { env: { WICKR_SMTP_URL: r.url } }));
    }
    const total = () => receivers.reduce((n, r) => n + r.count, 0);
    const deadline = Date.now() + 10 * 60_000;
    while (total() < INVITATIONS) {
      if (Date.now() > deadline) throw new Error(`only ${total()} of ${INVITATIONS} delivered`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const first = Math.min(...receivers.map((r) => r.first));
    const last = Math.max(...receivers.map((r) => r.last));
    const seconds = (last - first) / 1000;
    return {
      delivered: total(),
      seconds,
      perSecond: total() / seconds,
      split: receivers.map((r) => r.count),
    };
  } finally {
    for (const s of servers) await s.stop();
    for (const r of receivers) await r.close();
  }
}

async function deliveryScenario(run, engine) {
  let databaseUrl;
  let drop = async () => undefined;
  if (engine === 'sqlite') {
    const dir = join(TMP, 'delivery');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    databaseUrl = `sqlite:${join(dir, 'w.db')}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const pg = await run.postgres();
    const { createTestDatabase } = await import('../../test/support/postgres.mjs');
    const db = await createTestDatabase(pg.url);
    databaseUrl = db.url;
    drop = db.drop;
  }
  try {
    log(`delivery ${engine}: queueing ${INVITATIONS} invitations`);
    await queueInvitations(databaseUrl, run.runTag);
    const replicas = engine === 'postgres' ? 2 : 1;
    log(`delivery ${engine}: delivering with ${replicas} server${replicas > 1 ? 's' : ''}`);
    const d = await deliver(databaseUrl, replicas);
    run.record({
      scenario: 'delivery',
      engine,
      size: INVITATIONS,
      replicas,
      ...d,
      other:
        `${d.delivered} e-mails in ${d.seconds.toFixed(1)} s = ${d.perSecond.toFixed(0)}/s` +
        (replicas > 1 ? `; split between replicas ${d.split.join(' / ')}` : ''),
    });
  } finally {
    await drop();
  }
}

export default {
  name: 'delivery',
  plan: () => [INVITATIONS],
  run: deliveryScenario,
  targets(find) {
    const sq = find('delivery', 'sqlite');
    const pg = find('delivery', 'postgres');
    return [
      {
        name: `invitation delivery, ${INVITATIONS} e-mails to a local SMTP server, SQLite, one server`,
        goal: '≥ 500 e-mails/s',
        actual: sq ? `${sq.perSecond.toFixed(0)} e-mails/s` : 'not run',
        met: sq ? sq.perSecond >= 500 : undefined,
      },
      {
        name: `invitation delivery, PostgreSQL, two replicas`,
        goal: 'both replicas send',
        actual: pg
          ? `${pg.perSecond.toFixed(0)} e-mails/s; split ${pg.split.join(' / ')}`
          : 'not run',
        met: pg ? pg.split.every((n) => n > 0) : undefined,
      },
    ];
  },
};
