/**
 * The operations behind the console's Dashboard, Audit and Access keys pages, through the
 * console's protocol (a session cookie, as the browser calls them), on SQLite and PostgreSQL:
 * the dashboard's figures against users, registrations, devices and invitations made at known
 * times; the audit read's source and outcome filters; access keys listed, created (the secret
 * answered once, masked in the audit record), used ("last used", at most one write a minute),
 * revoked (then refused), and never granting more than the creating key holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../src/auth/keys.js';
import { AdminApiError, AdminClient, startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient, networkWithGroup } from './support/admin-call.js';
import { createTestDatabase } from './support/postgres.mjs';

const DAY = 86_400_000;
/** Noon UTC, so that "3 days ago" is a whole number of calendar days ago. */
const T = Date.UTC(2026, 5, 15, 12);

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(s: EmbeddedServer, id: string, secret: string): Promise<Session> {
  const res = await fetch(`${s.endpoint}/console/api/session`, {
    method: 'POST',
    body: JSON.stringify({ accessKeyId: id, secretAccessKey: secret }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: body.csrfToken };
}

async function op(s: EmbeddedServer, session: Session, name: string, input: unknown = {}) {
  const res = await fetch(`${s.endpoint}/console/api/operations/${name}`, {
    method: 'POST',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    body: JSON.stringify(input),
  });
  return {
    status: res.status,
    type: res.headers.get('x-amzn-errortype'),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: (await res.json()) as any,
  };
}

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`the console's pages' operations on ${engine}`, () => {
    let server: EmbeddedServer;
    let drop: (() => Promise<void>) | undefined;
    let client: AdminClient;
    let root: Session;

    beforeAll(async () => {
      let databaseUrl: string | undefined;
      if (engine === 'postgres') {
        const database = await createTestDatabase();
        drop = database.drop;
        databaseUrl = database.url;
      }
      server = await startEmbedded({ ...(databaseUrl ? { databaseUrl } : {}), keyCacheMs: 0 });
      client = adminClient(server);
      root = await signIn(
        server,
        server.credentials.accessKeyId,
        server.credentials.secretAccessKey,
      );
    }, 60_000);

    afterAll(async () => {
      await server?.close();
      await drop?.();
    });

    it('the dashboard counts what the database holds', async () => {
      await server.clock.freeze(true);
      const at = (daysAgo: number) => server.clock.set(T - daysAgo * DAY);
      // Administrators come from a fixture (the API does not make them); its active users
      // registered when it was loaded.
      await at(40);
      const networkId = '61616161';
      await server.seed({
        networks: [
          {
            networkId,
            networkName: 'Dashboard',
            users: [
              { username: 'old1@example.com' },
              { username: 'old2@example.com' },
              { username: 'admin1@example.com', status: 'active', isAdmin: true },
              { username: 'admin2@example.com', status: 'active', isAdmin: true, suspended: true },
            ],
          },
        ],
      });
      const { securityGroups } = await client.call('ListSecurityGroups', { networkId });
      const groupId = securityGroups![0]!.id!;
      const create = async (names: string[]) => {
        const r = await client.call('BatchCreateUser', {
          networkId,
          users: names.map((n) => ({ username: `${n}@example.com`, securityGroupIds: [groupId] })),
        });
        expect(r.failed ?? []).toEqual([]);
        return r.successful!;
      };
      const invitee = async (
        what: 'register' | 'decline',
        user: { username?: string; inviteCode?: string },
        platform = 'ios',
      ) => {
        const res = await fetch(`${server.endpoint}/client/v1/networks/${networkId}/${what}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            username: user.username,
            inviteCode: user.inviteCode,
            ...(what === 'register' ? { deviceName: 'phone', platform } : {}),
          }),
        });
        expect(res.status).toBe(200);
      };
      await at(10);
      await create(['mid1']);
      const [reg1] = await create(['reg1']);
      await at(9);
      await invitee('register', reg1!, 'ios');
      await at(3);
      await create(['new1']);
      const [reg2] = await create(['reg2']);
      const [reg3, decl1] = await create(['reg3', 'decl1']);
      await invitee('register', reg2!, 'android');
      await invitee('register', reg3!, 'Android 14');
      await invitee('decline', decl1!);
      await client.call('BatchToggleUserSuspendStatus', {
        networkId,
        suspend: true,
        userIds: [reg3!.userId!],
      });
      await at(0);
      await create(['fresh1']);

      const d = await op(server, root, 'GetNetworkDashboard', { networkId });
      expect(d.status).toBe(200);
      expect(d.body.asOf).toBe(new Date(T).toISOString());
      expect(d.body.users).toEqual({ active: 5, pending: 5, declined: 1, suspended: 2 });
      const regs = d.body.registrations as { day: string; count: number }[];
      expect(regs).toHaveLength(90);
      expect(regs[89]!.day).toBe('2026-06-15');
      expect(regs.filter((r) => r.count > 0)).toEqual([
        { day: '2026-05-06', count: 2 },
        { day: '2026-06-06', count: 1 },
        { day: '2026-06-12', count: 2 },
      ]);
      expect(d.body.devices).toEqual([
        { platform: 'Android', count: 2 },
        { platform: 'iOS', count: 1 },
      ]);
      expect(d.body.invitations).toEqual([
        { age: 'under 1 day', stale: false, count: 1 },
        { age: '1 to 7 days', stale: false, count: 1 },
        { age: '7 to 30 days', stale: true, count: 1 },
        { age: 'over 30 days', stale: true, count: 2 },
      ]);
      expect(d.body.administrators).toBe(1);
      // Counted as GetUsersCount counts.
      const count = await client.call('GetUsersCount', { networkId });
      expect([count.active, count.pending, count.rejected]).toEqual([5, 5, 1]);
      await server.clock.reset();
    });

    it("the dashboard is a read of the network: another account's key cannot read it", async () => {
      const { networkId } = await networkWithGroup(client, 'Private');
      const other = await createKey(server.server.store.db, { accountId: '999999999999' });
      const s = await signIn(server, other.accessKeyId, other.secretAccessKey);
      const r = await op(server, s, 'GetNetworkDashboard', { networkId });
      expect(r.status).toBe(404);
      const reader = await createKey(server.server.store.db, {
        accountId: server.credentials.accountId,
        actions: ['wickr:GetUsersCount'],
      });
      const rs = await signIn(server, reader.accessKeyId, reader.secretAccessKey);
      const refused = await op(server, rs, 'GetNetworkDashboard', { networkId });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/wickr:ListUsers/);
    });

    it('access keys: created (secret once, masked in the audit record), used, listed, revoked, refused', async () => {
      const created = await op(server, root, 'CreateAccessKey', {
        actions: ['wickr:List*', 'wickr:Get*'],
        label: 'reader',
        userName: 'alice',
      });
      expect(created.status).toBe(200);
      const { accessKeyId, secretAccessKey, accessKey } = created.body;
      expect(secretAccessKey).toMatch(/^\S{30,}$/);
      expect(accessKey).toMatchObject({
        accessKeyId,
        userName: 'alice',
        label: 'reader',
        networks: null,
        actions: ['wickr:List*', 'wickr:Get*'],
        lastUsedAt: null,
        revokedAt: null,
      });
      // The new key signs requests as boto3 would.
      const signed = new AdminClient({
        endpoint: server.endpoint,
        region: server.credentials.region,
        credentials: { accessKeyId, secretAccessKey },
        maxRetries: 0,
      });
      await signed.call('ListNetworks', {});
      await signed.call('ListNetworks', {});
      const listed = await op(server, root, 'ListAccessKeys');
      expect(listed.status).toBe(200);
      const row = (
        listed.body.accessKeys as { accessKeyId: string; lastUsedAt: string | null }[]
      ).find((k) => k.accessKeyId === accessKeyId)!;
      expect(row.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(listed.body)).not.toContain(secretAccessKey);
      // At most one write a minute: the second call left the stamp as the first wrote it.
      const stamp = await server.server.store.db
        .selectFrom('access_keys')
        .select('last_used_at')
        .where('access_key_id', '=', accessKeyId)
        .executeTakeFirstOrThrow();
      expect(new Date(Number(stamp.last_used_at)).toISOString()).toBe(row.lastUsedAt);

      // The audit trail has the creation, without the secret.
      const trail = await op(server, root, 'LookupAuditRecords', {
        operation: 'CreateAccessKey',
        source: 'console',
        outcome: 'success',
      });
      expect(trail.status).toBe(200);
      expect(trail.body.records).toHaveLength(1);
      expect(JSON.stringify(trail.body)).not.toContain(secretAccessKey);

      const revoked = await op(server, root, 'RevokeAccessKey', { accessKeyId });
      expect(revoked.status).toBe(200);
      expect(revoked.body.alreadyRevoked).toBe(false);
      expect(revoked.body.accessKey.revokedAt).not.toBeNull();
      const again = await op(server, root, 'RevokeAccessKey', { accessKeyId });
      expect(again.body.alreadyRevoked).toBe(true);
      const refused = await signed.call('ListNetworks', {}).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AdminApiError);
      expect((refused as AdminApiError).status).toBe(401);
      // Revoking one's own key is refused (the session would end mid-page).
      const self = await op(server, root, 'RevokeAccessKey', {
        accessKeyId: server.credentials.accessKeyId,
      });
      expect(self.status).toBe(400);
    });

    it('access keys: only for keys allowed wickr:ManageAccessKeys, never granting more than they hold', async () => {
      const db = server.server.store.db;
      const account = server.credentials.accountId;
      const { networkId } = await networkWithGroup(client, 'Scoped');
      const reader = await createKey(db, { accountId: account, actions: ['wickr:List*'] });
      const rs = await signIn(server, reader.accessKeyId, reader.secretAccessKey);
      for (const [name, input] of [
        ['ListAccessKeys', {}],
        ['CreateAccessKey', { actions: ['wickr:ListUsers'] }],
        ['RevokeAccessKey', { accessKeyId: reader.accessKeyId }],
      ] as const) {
        const r = await op(server, rs, name, input);
        expect(r.status, name).toBe(403);
        expect(r.body.message).toMatch(/wickr:ManageAccessKeys/);
      }
      const manager = await createKey(db, {
        accountId: account,
        actions: ['wickr:ManageAccessKeys', 'wickr:List*'],
        networks: [networkId],
      });
      const ms = await signIn(server, manager.accessKeyId, manager.secretAccessKey);
      const beyond = await op(server, ms, 'CreateAccessKey', {
        actions: ['wickr:*'],
        networks: [networkId],
      });
      expect(beyond.status).toBe(422);
      expect(beyond.type).toBe('ValidationError');
      expect(beyond.body.reasons.map((r: { field: string }) => r.field)).toEqual(['actions']);
      const unlimited = await op(server, ms, 'CreateAccessKey', { actions: ['wickr:ListUsers'] });
      expect(unlimited.body.reasons.map((r: { field: string }) => r.field)).toEqual(['networks']);
      const typo = await op(server, ms, 'CreateAccessKey', {
        actions: ['wickr:ListUser'],
        networks: [networkId],
        userName: 'no spaces allowed',
      });
      expect(typo.body.reasons.map((r: { field: string }) => r.field).sort()).toEqual([
        'actions',
        'userName',
      ]);
      const ok = await op(server, ms, 'CreateAccessKey', {
        actions: ['wickr:ListUsers'],
        networks: [networkId],
      });
      expect(ok.status).toBe(200);
      // It sees the keys it could make: itself and the new one, not the account's others.
      const seen = await op(server, ms, 'ListAccessKeys');
      expect(
        seen.body.accessKeys.map((k: { accessKeyId: string }) => k.accessKeyId).sort(),
      ).toEqual([manager.accessKeyId, ok.body.accessKeyId].sort());
      const notMine = await op(server, ms, 'RevokeAccessKey', { accessKeyId: reader.accessKeyId });
      expect(notMine.status).toBe(404);
    });

    it('the audit read filters by source and outcome', async () => {
      const stranger = await fetch(`${server.endpoint}/console/api/session`, {
        method: 'POST',
        body: JSON.stringify({ accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x' }),
      });
      expect(stranger.status).toBe(401);
      const refused = await op(server, root, 'LookupAuditRecords', { outcome: 'refused' });
      expect(refused.status).toBe(200);
      expect(refused.body.records.length).toBeGreaterThan(0);
      expect(new Set(refused.body.records.map((r: { outcome: string }) => r.outcome))).toEqual(
        new Set(['refused']),
      );
      const api = await op(server, root, 'LookupAuditRecords', { source: 'admin-api' });
      expect(api.body.records.length).toBeGreaterThan(0);
      expect(new Set(api.body.records.map((r: { source: string }) => r.source))).toEqual(
        new Set(['admin-api']),
      );
      const bad = await op(server, root, 'LookupAuditRecords', { outcome: 'maybe' });
      expect(bad.status).toBe(422);
    });
  });
}
