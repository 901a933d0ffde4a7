/**
 * The console's invitation extension operations on both engines: whether mail is configured
 * the SSO callback URL and SCIM base URL (GetConsoleNetworkInfo), pending users' invitation links
 * (RevealInvitationLinks: refused to a key without wickr:RevealInvitationLinks, every success
 * audited, the link opens that invitation), and one user's invitation in the outbox read
 * (ListOutboxMessages' userId filter, the code's expiry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { createKey } from '../src/auth/keys.js';
import { adminClient, networkWithGroup } from './support/admin-call.js';
import { databaseFor } from './support/delivery.js';

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

async function op(s: EmbeddedServer, session: Session, name: string, input: unknown) {
  const res = await fetch(`${s.endpoint}/console/api/operations/${name}`, {
    method: 'POST',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    body: JSON.stringify(input),
  });
  return {
    status: res.status,
    type: res.headers.get('x-amzn-errortype'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

interface Link {
  userId: string;
  username: string;
  inviteLink: string;
  expiresAt: string;
  expired: boolean;
}

describe.each(['sqlite', 'postgres'])('invitation links on %s', (engine) => {
  let database: { url: string; drop(): Promise<void> };
  let server: EmbeddedServer;
  let root: Session;
  let networkId: string;
  let users: { userId: string; username: string; inviteCode: string }[];
  const publicUrl = 'http://wickr.test:4000';

  beforeAll(async () => {
    database = await databaseFor(engine);
    server = await startEmbedded({ databaseUrl: database.url, publicUrl, env: {} });
    root = await signIn(server, server.credentials.accessKeyId, server.credentials.secretAccessKey);
    const admin = adminClient(server);
    const n = await networkWithGroup(admin, 'links');
    networkId = n.networkId;
    const created = await admin.call('BatchCreateUser', {
      networkId,
      users: ['ann@example.com', 'bob@example.com'].map((username) => ({
        username,
        securityGroupIds: [n.groupId],
      })),
    });
    users = created.successful as typeof users;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('says mail is not configured, the callback URL the OIDC flow uses and the SCIM base URL', async () => {
    const r = await op(server, root, 'GetConsoleNetworkInfo', { networkId });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({
      mailConfigured: false,
      ssoCallbackUrl: `${publicUrl}/client/v1/networks/${networkId}/sso/callback`,
      scimBaseUrl: `${publicUrl}/scim/v2/networks/${networkId}`,
    });
  });

  it("gives a pending user's link, which opens that invitation, and audits the read", async () => {
    const ann = users.find((u) => u.username === 'ann@example.com')!;
    const r = await op(server, root, 'RevealInvitationLinks', {
      networkId,
      userIds: [ann.userId, '99999'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [link] = r.body['invitations'] as Link[];
    expect(link!.username).toBe('ann@example.com');
    expect(link!.expired).toBe(false);
    const url = new URL(link!.inviteLink);
    expect(url.origin).toBe(publicUrl);
    expect(url.searchParams.get('inviteCode')).toBe(ann.inviteCode);
    expect(r.body['failed']).toEqual([
      { userId: '99999', reason: `User 99999 was not found in network ${networkId}.` },
    ]);
    // The same link on this server opens the registration page of Ann's invitation.
    const page = await fetch(`${server.endpoint}${url.pathname}${url.search}`, {
      headers: { accept: 'text/html' },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('ann@example.com');

    const { records } = await server.audit({ operation: 'RevealInvitationLinks' });
    const ok = records.filter((x) => x.outcome === 'success');
    expect(ok).toHaveLength(1);
    expect(ok[0]!.parameters).toEqual({ networkId, userIds: [ann.userId, '99999'] });
    expect(JSON.stringify(records)).not.toContain(ann.inviteCode);
  });

  it('refuses a key whose policy does not allow wickr:RevealInvitationLinks (read-only keys)', async () => {
    const key = await createKey(server.server.store.db, {
      accountId: server.credentials.accountId,
      actions: ['wickr:Get*', 'wickr:List*'],
    });
    const s = await signIn(server, key.accessKeyId, key.secretAccessKey);
    const r = await op(server, s, 'RevealInvitationLinks', {
      networkId,
      userIds: [users[0]!.userId],
    });
    expect(r.status).toBe(403);
    expect(r.type).toBe('ForbiddenError');
    expect(r.body['message']).toBe(
      `Access key ${key.accessKeyId} is not authorized to perform wickr:RevealInvitationLinks.`,
    );
    expect(JSON.stringify(r.body)).not.toContain(users[0]!.inviteCode);
    // The rest of what the console shows stays readable to it.
    expect((await op(server, s, 'GetConsoleNetworkInfo', { networkId })).status).toBe(200);
  });

  it("lists one user's invitation with its code's expiry", async () => {
    const bob = users.find((u) => u.username === 'bob@example.com')!;
    const r = await op(server, root, 'ListOutboxMessages', { networkId, userId: bob.userId });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const messages = r.body['messages'] as { recipient: string; inviteExpiresAt: string }[];
    expect(messages.map((m) => m.recipient)).toEqual(['bob@example.com']);
    const links = await op(server, root, 'RevealInvitationLinks', {
      networkId,
      userIds: [bob.userId],
    });
    expect(messages[0]!.inviteExpiresAt).toBe((links.body['invitations'] as Link[])[0]!.expiresAt);
  });

  it('says a registered user has no invitation to show', async () => {
    const bob = users.find((u) => u.username === 'bob@example.com')!;
    const reg = await fetch(`${server.endpoint}/client/v1/networks/${networkId}/register`, {
      method: 'POST',
      body: JSON.stringify({
        username: bob.username,
        inviteCode: bob.inviteCode,
        deviceName: 'phone',
        platform: 'ios',
      }),
    });
    expect(reg.status).toBe(200);
    const r = await op(server, root, 'RevealInvitationLinks', { networkId, userIds: [bob.userId] });
    expect(r.body).toEqual({
      invitations: [],
      failed: [
        {
          userId: bob.userId,
          reason: 'bob@example.com is not pending an invitation (already registered).',
        },
      ],
    });
    const outbox = await op(server, root, 'ListOutboxMessages', { networkId, userId: bob.userId });
    expect((outbox.body['messages'] as { inviteExpiresAt: null }[])[0]!.inviteExpiresAt).toBe(null);
  });
});

describe('with WICKR_SMTP_URL', () => {
  it('says mail is configured', async () => {
    const server = await startEmbedded({ smtpUrl: 'smtp://127.0.0.1:9', env: {} });
    try {
      const s = await signIn(
        server,
        server.credentials.accessKeyId,
        server.credentials.secretAccessKey,
      );
      const { networkId } = await networkWithGroup(adminClient(server), 'mail');
      const r = await op(server, s, 'GetConsoleNetworkInfo', { networkId });
      expect(r.body['mailConfigured']).toBe(true);
    } finally {
      await server.close();
    }
  });
});
