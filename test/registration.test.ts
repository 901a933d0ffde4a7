/**
 * Invite code expiry, which needs a clock the test controls: an embedded server whose `now`
 * is moved forward by days. Admin requests are signed at that same clock (SigV4 refuses a
 * request date more than 15 minutes off the server's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer, type Input } from '../src/index.js';
import { adminClient } from './support/admin-call.js';

const DAY = 86_400_000;

interface ListedUser {
  userId: string;
  username: string;
  status: number;
  inviteCode?: string;
  isInviteExpired: boolean;
  challengeFailures: number;
}

describe('invite code expiry', () => {
  let server: EmbeddedServer;
  let clock = Date.now();
  let networkId: string;
  let groupId: string;

  const admin = () => adminClient(server, () => clock);

  async function register(username: string, inviteCode: string) {
    const res = await fetch(`${server.endpoint}/client/v1/networks/${networkId}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, inviteCode, deviceName: 'phone', platform: 'iOS' }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function createUser(
    item: Omit<Input<'BatchCreateUser'>['users'][number], 'securityGroupIds'>,
  ): Promise<ListedUser> {
    const r = await admin().call('BatchCreateUser', {
      networkId,
      users: [{ securityGroupIds: [groupId], ...item }],
    });
    const ok = (r.successful ?? []) as ListedUser[];
    expect(ok).toHaveLength(1);
    return ok[0]!;
  }

  async function listed(userId: string): Promise<ListedUser> {
    const r = await admin().call('ListUsers', { networkId, maxResults: 100 });
    const u = ((r.users ?? []) as ListedUser[]).find((x) => x.userId === userId);
    if (!u) throw new Error(`user ${userId} is not listed`);
    return u;
  }

  beforeAll(async () => {
    server = await startEmbedded({
      now: () => clock,
      registrationRateLimit: { ratePerSecond: 1000, burst: 1000 },
    });
    networkId = (
      await admin().call('CreateNetwork', { networkName: 'expiry', accessLevel: 'STANDARD' })
    ).networkId!;
    const groups = (await admin().call('ListSecurityGroups', { networkId })).securityGroups ?? [];
    groupId = groups[0]!.id;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('accepts a code until its TTL ends', async () => {
    const start = clock;
    const u = await createUser({ username: 'just-in-time@example.com', inviteCodeTtl: 1 });
    clock = start + DAY - 60_000;
    expect((await listed(u.userId)).isInviteExpired).toBe(false);
    const r = await register(u.username, u.inviteCode!);
    expect(r.status).toBe(200);
  });

  it('refuses an expired code, counts the failure, and a reinvite renews it', async () => {
    const start = clock;
    const u = await createUser({ username: 'late@example.com', inviteCodeTtl: 1 });
    expect(u.isInviteExpired).toBe(false);

    clock = start + DAY + 60_000;
    const before = await listed(u.userId);
    expect(before.isInviteExpired).toBe(true);
    const r = await register(u.username, u.inviteCode!);
    expect(r.status).toBe(400);
    expect(String(r.body['message'])).toMatch(/expired/i);
    const after = await listed(u.userId);
    expect(after.challengeFailures).toBe(1);
    expect(after.status).toBe(1);

    const re = await admin().call('BatchReinviteUser', { networkId, userIds: [u.userId] });
    expect(re.successful).toEqual([{ userId: u.userId }]);
    const renewed = await listed(u.userId);
    expect(renewed.isInviteExpired).toBe(false);
    expect(renewed.challengeFailures).toBe(0);
    expect(renewed.inviteCode).not.toBe(u.inviteCode);
    // The renewed code lasts the user's own TTL (1 day) from the reinvite.
    clock += DAY - 60_000;
    expect((await register(u.username, renewed.inviteCode!)).status).toBe(200);
  });

  it('re-sends an expired custom code unchanged, valid again', async () => {
    const start = clock;
    const u = await createUser({
      username: 'custom@example.com',
      inviteCode: 'Custom-Code-99',
      inviteCodeTtl: 2,
    });
    clock = start + 2 * DAY + 1000;
    expect((await listed(u.userId)).isInviteExpired).toBe(true);
    expect((await register(u.username, 'Custom-Code-99')).status).toBe(400);

    await admin().call('BatchReinviteUser', { networkId, userIds: [u.userId] });
    const renewed = await listed(u.userId);
    expect(renewed.inviteCode).toBe('Custom-Code-99');
    expect(renewed.isInviteExpired).toBe(false);
    const upd = await admin().call('UpdateUser', { networkId, userId: u.userId, userDetails: {} });
    expect(upd.inviteExpiration).toBe(Math.floor((clock + 2 * DAY) / 1000));
    expect((await register(u.username, 'Custom-Code-99')).status).toBe(200);
  });
});
