/**
 * The console's session API without a browser: cookie attributes, CSRF, lockout after repeated
 * failures, sessions in the database, revocation, and that console actions go through the
 * Admin API's pipeline (validation, policy, rate limit, idempotency).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { createKey, revokeKey } from '../src/auth/keys.js';

let server: EmbeddedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Session {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function signIn(s: EmbeddedServer, id: string, secret: string): Promise<Session> {
  const res = await fetch(`${s.endpoint}/console/api/session`, {
    method: 'POST',
    body: JSON.stringify({ accessKeyId: id, secretAccessKey: secret }),
  });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie')!;
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrfToken, setCookie };
}

async function op(s: EmbeddedServer, session: Session, name: string, input: unknown, csrf = true) {
  const res = await fetch(`${s.endpoint}/console/api/operations/${name}`, {
    method: 'POST',
    headers: { cookie: session.cookie, ...(csrf ? { 'x-csrf-token': session.csrf } : {}) },
    body: JSON.stringify(input),
  });
  return {
    status: res.status,
    type: res.headers.get('x-amzn-errortype'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

const root = (s: EmbeddedServer) =>
  [s.credentials.accessKeyId, s.credentials.secretAccessKey] as const;

describe('console sessions', () => {
  it('issues an HttpOnly, SameSite=Strict, expiring cookie; Secure behind https', async () => {
    server = await startEmbedded();
    const plain = await signIn(server, ...root(server));
    expect(plain.setCookie).toMatch(/HttpOnly/);
    expect(plain.setCookie).toMatch(/SameSite=Strict/);
    expect(plain.setCookie).toMatch(/Max-Age=\d+/);
    expect(plain.setCookie).not.toMatch(/Secure/);
    await server.close();
    server = await startEmbedded({ publicUrl: 'https://wickr.example.com' });
    expect((await signIn(server, ...root(server))).setCookie).toMatch(/; Secure/);
  });

  it('keeps sessions in the database, token hashed', async () => {
    server = await startEmbedded();
    const s = await signIn(server, ...root(server));
    const rows = await server.server.store.db.selectFrom('console_sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).not.toContain(s.cookie.split('=')[1]);
  });

  it('refuses an operation without the CSRF token, or from another origin', async () => {
    server = await startEmbedded();
    const s = await signIn(server, ...root(server));
    const r = await op(server, s, 'ListNetworks', {}, false);
    expect(r.status).toBe(403);
    const cross = await fetch(`${server.endpoint}/console/api/operations/ListNetworks`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'https://evil.example' },
      body: '{}',
    });
    expect(cross.status).toBe(403);
    expect((await op(server, s, 'ListNetworks', {})).status).toBe(200);
  });

  it('answers wrong credentials clearly and locks an address out after repeated failures', async () => {
    server = await startEmbedded();
    const attempt = () =>
      fetch(`${server!.endpoint}/console/api/session`, {
        method: 'POST',
        body: JSON.stringify({
          accessKeyId: server!.credentials.accessKeyId,
          secretAccessKey: 'x',
        }),
      });
    for (let i = 0; i < 5; i++) {
      const r = await attempt();
      expect(r.status).toBe(401);
      expect(((await r.json()) as { message: string }).message).toBe(
        'The access key ID or the secret access key is wrong.',
      );
    }
    const locked = await attempt();
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Locked out even with the right secret, until the wait is over.
    const right = await fetch(`${server.endpoint}/console/api/session`, {
      method: 'POST',
      body: JSON.stringify({
        accessKeyId: server.credentials.accessKeyId,
        secretAccessKey: server.credentials.secretAccessKey,
      }),
    });
    expect(right.status).toBe(429);
  });

  it('ends the session on sign-out and when the key is revoked', async () => {
    server = await startEmbedded();
    const s = await signIn(server, ...root(server));
    const out = await fetch(`${server.endpoint}/console/api/session`, {
      method: 'DELETE',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.status).toBe(200);
    expect((await op(server, s, 'ListNetworks', {})).status).toBe(401);

    const key = await createKey(server.server.store.db, { accountId: '000000000000' });
    const k = await signIn(server, key.accessKeyId, key.secretAccessKey);
    expect((await op(server, k, 'ListNetworks', {})).status).toBe(200);
    await revokeKey(server.server.store.db, key.accessKeyId);
    const after = await op(server, k, 'ListNetworks', {});
    expect(after.status).toBe(401);
    expect(after.body['message']).toMatch(/revoked/);
  });

  it('lets a key whose policy allows little still sign out', async () => {
    server = await startEmbedded();
    const key = await createKey(server.server.store.db, {
      accountId: '000000000000',
      actions: ['wickr:GetNetwork'],
    });
    const s = await signIn(server, key.accessKeyId, key.secretAccessKey);
    const out = await fetch(`${server.endpoint}/console/api/session`, {
      method: 'DELETE',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    const session = await fetch(`${server.endpoint}/console/api/session`, {
      headers: { cookie: s.cookie },
    });
    expect(await session.json()).toMatchObject({ signedIn: false });
  });
});

describe('console actions run through the Admin API pipeline', () => {
  it('validates with reasons, applies the key policy, and honours idempotency tokens', async () => {
    server = await startEmbedded();
    const s = await signIn(server, ...root(server));
    const bad = await op(server, s, 'CreateNetwork', { networkName: '' });
    expect(bad.status).toBe(422);
    expect(bad.type).toBe('ValidationError');
    expect(bad.body['reasons']).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'accessLevel' })]),
    );
    const created = await op(server, s, 'CreateNetwork', {
      networkName: 'x',
      accessLevel: 'STANDARD',
    });
    const networkId = created.body['networkId'] as string;
    const group = (
      (await op(server, s, 'ListSecurityGroups', { networkId })).body['securityGroups'] as {
        id: string;
      }[]
    )[0]!.id;
    const invite = {
      networkId,
      clientToken: 'console-test-token-1',
      users: [{ username: 'a@example.com', securityGroupIds: [group] }],
    };
    const first = await op(server, s, 'BatchCreateUser', invite);
    const again = await op(server, s, 'BatchCreateUser', invite);
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const count = await op(server, s, 'GetUsersCount', { networkId });
    expect(count.body['total']).toBe(1);

    const limited = await createKey(server.server.store.db, {
      accountId: '000000000000',
      actions: ['wickr:List*'],
    });
    const l = await signIn(server, limited.accessKeyId, limited.secretAccessKey);
    expect((await op(server, l, 'ListNetworks', {})).status).toBe(200);
    const refused = await op(server, l, 'DeleteNetwork', { networkId });
    expect(refused.status).toBe(403);
    expect(refused.type).toBe('ForbiddenError');
    const outbox = await fetch(`${server.endpoint}/console/api/networks/${networkId}/outbox`, {
      headers: { cookie: l.cookie, 'x-csrf-token': l.csrf },
    });
    expect(outbox.status).toBe(200);
    const page = (await outbox.json()) as { messages: { recipient: string }[] };
    expect(page.messages.map((m) => m.recipient)).toEqual(['a@example.com']);
  });

  it('shares the access key rate limit with signed calls', async () => {
    server = await startEmbedded({ rateLimit: { ratePerSecond: 0.001, burst: 3 } });
    const s = await signIn(server, ...root(server));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await op(server, s, 'ListNetworks', {})).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
