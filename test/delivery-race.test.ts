// DeleteNetwork racing the batch operations that queue mail, and mail to people who can no
// longer use it, on both engines with the real delivery worker and a real SMTP receiver.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import type { Database } from '../src/store/schema.js';
import { adminClient, networkWithGroup, statusOf } from './support/admin-call.js';
import { databaseFor, dbOf, pendingMail, startReceiver, waitFor } from './support/delivery.js';
import { signedRequest } from './support/signed-request.js';

/** Every table with a network_id column (so a new table cannot escape the check). */
async function tablesWithNetworkId(db: Kysely<Database>, engine: string): Promise<string[]> {
  const { rows } =
    engine === 'postgres'
      ? await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.columns
          WHERE table_schema = current_schema() AND column_name = 'network_id'`.execute(db)
      : await sql<{ name: string }>`SELECT m.name AS name FROM sqlite_master m
          JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'network_id'`.execute(
          db,
        );
  // The audit trail keeps the record of a deleted network's changes, as CloudTrail does.
  return rows.map((r) => r.name).filter((name) => name !== 'audit_log');
}

async function newNetwork(server: EmbeddedServer, name: string) {
  const { networkId, groupId } = await networkWithGroup(adminClient(server), name);
  return { networkId, group: groupId };
}

const users = (n: number, tag: string, group: string) =>
  Array.from({ length: n }, (_, i) => ({
    username: `${tag}-${i}@example.com`,
    securityGroupIds: [group],
  }));

const ROUNDS = 50;

describe.each(['sqlite', 'postgres'])('on %s', (engine) => {
  let sink: Awaited<ReturnType<typeof startReceiver>>;
  let database: { url: string; drop(): Promise<void> };
  let server: EmbeddedServer;

  beforeAll(async () => {
    sink = await startReceiver();
    database = await databaseFor(engine);
    server = await startEmbedded({ databaseUrl: database.url, smtpUrl: sink.url });
  });

  afterAll(async () => {
    await server?.close();
    await sink?.close();
    await database?.drop();
  });

  it(`DeleteNetwork racing BatchCreateUser and BatchReinviteUser ${ROUNDS} times each leaves nothing and sends nothing after it`, async () => {
    const client = adminClient(server);
    const deletedAt = new Map<string, number>();
    for (let round = 0; round < 2 * ROUNDS; round++) {
      const reinvite = round % 2 === 1;
      const { networkId, group } = await newNetwork(server, `race${round}`);
      let race: Promise<{ status: number; body: string }>;
      if (reinvite) {
        const created = await client.call('BatchCreateUser', {
          networkId,
          users: users(25, `r${round}`, group),
        });
        const ids = (created.successful ?? []).map((u) => u.userId!);
        race = statusOf(client.call('BatchReinviteUser', { networkId, userIds: ids }));
      } else {
        race = statusOf(
          client.call('BatchCreateUser', { networkId, users: users(50, `c${round}`, group) }),
        );
      }
      // Vary the overlap: the delete starts with the batch or a few milliseconds later.
      await new Promise((r) => setTimeout(r, round % 5));
      const del = await statusOf(client.call('DeleteNetwork', { networkId }));
      expect(del.status, del.body).toBe(200);
      deletedAt.set(networkId, Date.now());
      const batch = await race;
      // Before the delete: 200; after it: the network is gone.
      expect([200, 404], batch.body).toContain(batch.status);
    }
    const db = dbOf(server);
    await waitFor(async () => (await pendingMail(db)) === 0);

    const deleted = [...deletedAt.keys()];
    for (const table of await tablesWithNetworkId(db, engine)) {
      const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}
        WHERE network_id IN (${sql.join(deleted)})`.execute(db);
      expect(Number(rows[0]!.n), `rows of deleted networks left in ${table}`).toBe(0);
    }
    const late = sink.received.filter(
      (m) => deletedAt.has(m.networkId) && m.at > deletedAt.get(m.networkId)!,
    );
    expect(late, 'e-mails received after their network was deleted').toEqual([]);
  }, 300_000);
});

describe.each(['sqlite', 'postgres'])('mail to people who cannot use it, on %s', (engine) => {
  let database: { url: string; drop(): Promise<void> };

  beforeAll(async () => {
    database = await databaseFor(engine);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('registering, suspending and deleting withdraw queued mail; the worker checks at send time', async () => {
    // First without SMTP: every invitation stays queued.
    const quiet = await startEmbedded({ databaseUrl: database.url });
    const db = dbOf(quiet);
    const { networkId, group } = await newNetwork(quiet, 'withdraw');
    const names = ['reg', 'sus', 'del', 'lat-reg', 'lat-sus', 'lat-code', 'lat-dec', 'ok'];
    const admin = adminClient(quiet);
    const created = await admin.call('BatchCreateUser', {
      networkId,
      users: names.map((n) => ({ username: `${n}@example.com`, securityGroupIds: [group] })),
    });
    const user = new Map(
      (created.successful as { userId: string; username: string; inviteCode: string }[]).map(
        (u) => [u.username.split('@')[0]!, u],
      ),
    );
    const id = (n: string) => user.get(n)!.userId;
    const mailOf = async (n: string) =>
      db
        .selectFrom('outbox')
        .select('status')
        .where('member_id', '=', Number(id(n)))
        .execute();

    const reg = await signedRequest(
      quiet,
      'POST',
      `/client/v1/networks/${networkId}/register`,
      JSON.stringify({
        username: 'reg@example.com',
        inviteCode: user.get('reg')!.inviteCode,
        deviceName: 'phone',
        platform: 'ios',
      }),
      { sign: false },
    );
    expect(reg.status, reg.body).toBe(200);
    await admin.call('BatchToggleUserSuspendStatus', {
      networkId,
      suspend: true,
      userIds: [id('sus')],
    });
    await admin.call('BatchDeleteUser', { networkId, userIds: [id('del')] });
    expect(await mailOf('reg')).toEqual([{ status: 'withdrawn' }]);
    expect(await mailOf('sus')).toEqual([{ status: 'withdrawn' }]);
    expect(await mailOf('del')).toEqual([]);
    expect(await mailOf('ok')).toEqual([{ status: 'pending' }]);

    // Changes that bypass the API's withdrawal (another writer, a hand-written fix): the
    // worker itself must notice at send time.
    const set = (n: string, change: Record<string, unknown>) =>
      db
        .updateTable('members')
        .set(change)
        .where('member_id', '=', Number(id(n)))
        .execute();
    await set('lat-reg', { status: 2 });
    await set('lat-sus', { suspended: 1 });
    await set('lat-code', { invite_code: 'ANOTHERCODE1' });
    await set('lat-dec', { invite_declined_at: Date.now() });
    await quiet.close();

    const sink = await startReceiver();
    const sender = await startEmbedded({ databaseUrl: database.url, smtpUrl: sink.url });
    try {
      const db2 = dbOf(sender);
      await waitFor(async () => (await pendingMail(db2)) === 0);
      expect(sink.received.map((m) => m.to)).toEqual(['ok@example.com']);
      const statuses = await db2
        .selectFrom('outbox')
        .select(['member_id', 'status', 'last_error'])
        .where('network_id', '=', networkId)
        .execute();
      const byName = new Map(statuses.map((s) => [String(s.member_id), s]));
      for (const n of ['lat-reg', 'lat-sus', 'lat-code', 'lat-dec']) {
        expect(byName.get(id(n))?.status, n).toBe('withdrawn');
        expect(byName.get(id(n))?.last_error, n).toMatch(/^not sent: the /);
      }
      expect(byName.get(id('ok'))?.status).toBe('sent');
    } finally {
      await sender.close();
      await sink.close();
    }
  }, 120_000);
});
