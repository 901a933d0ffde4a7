/**
 * The invitee endpoints tell nobody who is a member (issue 22, item 5): registering,
 * declining, opening the invitation page and a bot's sign-in answer a pending, an active, a
 * suspended member and a stranger alike without the right code; the guest report of a
 * federated network is signed (SigV4, `wickr:GuestActivity`) and writes nothing for a refused
 * caller. On both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../src/auth/keys.js';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient } from './support/admin-call.js';
import { createTestDatabase } from './support/postgres.mjs';
import { signedRequest } from './support/signed-request.js';

const ENGINES = ['sqlite', 'postgres'] as const;
const NET = '73737373';
const OTHER = '74747474';

const fixture = {
  networks: [
    {
      networkId: NET,
      networkName: 'oracles',
      users: [
        { username: 'pending@example.com', inviteCode: 'PENDING-CODE-1' },
        { username: 'active@example.com', status: 'active' as const },
        { username: 'suspended@example.com', inviteCode: 'SUSP-CODE-1', suspended: true },
      ],
      bots: [{ username: 'memberbot', challenge: 'bot-challenge-1' }],
    },
    { networkId: OTHER, networkName: 'other' },
  ],
};
const PEOPLE = [
  'pending@example.com',
  'active@example.com',
  'suspended@example.com',
  'stranger@example.com',
];

/** What a caller can see of an answer: status, the headers that vary by answer, the body. */
async function seen(res: Response) {
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    retryAfter: res.headers.get('retry-after'),
    cookie: res.headers.get('set-cookie'),
    // A page's nonce is new on every answer.
    body: text.replace(/nonce-?[=":]*[A-Za-z0-9+/]{22}==/g, 'nonce'),
  };
}

describe.each(ENGINES)('the invitee endpoints on %s', (engine) => {
  let server: EmbeddedServer;
  let drop: (() => Promise<void>) | undefined;
  const base = () => `${server.endpoint}/client/v1/networks/${NET}`;
  const post = (path: string, body: unknown) =>
    fetch(`${base()}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    const db = engine === 'postgres' ? await createTestDatabase() : undefined;
    drop = db?.drop;
    server = await startEmbedded({
      env: {},
      fixture,
      // Limits out of the way: the answers themselves are compared here.
      registrationRateLimit: { ratePerSecond: 1000, burst: 1000 },
      ...(db ? { databaseUrl: db.url } : {}),
    });
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  it('answer members and strangers alike without the right code', async () => {
    const endpoints: [string, (who: string) => Promise<Response>][] = [
      [
        'register',
        (who) =>
          post('register', {
            username: who,
            inviteCode: 'WRONG-CODE',
            deviceName: 'phone',
            platform: 'iOS',
          }),
      ],
      ['decline', (who) => post('decline', { username: who, inviteCode: 'WRONG-CODE' })],
      [
        'invitation page',
        (who) =>
          fetch(`${base()}/invitation?username=${encodeURIComponent(who)}&inviteCode=WRONG-CODE`, {
            headers: { accept: 'text/html' },
          }),
      ],
      [
        'invitation form',
        (who) =>
          fetch(`${base()}/invitation`, {
            method: 'POST',
            headers: {
              accept: 'text/html',
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({
              action: 'register',
              username: who,
              inviteCode: 'WRONG-CODE',
              deviceName: 'phone',
            }).toString(),
          }),
      ],
      ['bot sign-in', (who) => post('bots/login', { username: who, challenge: 'not-it' })],
      ['guest report, unsigned', (who) => post('guest-activity', { username: who })],
    ];
    for (const [name, call] of endpoints) {
      const answers = [];
      for (const who of [...PEOPLE, 'memberbot']) answers.push(await seen(await call(who)));
      expect(answers[0]!.status, name).toBeGreaterThanOrEqual(400);
      for (const a of answers) expect(a, name).toEqual(answers[0]);
    }
  });

  it('take a guest report only signed by a key allowed to make it', async () => {
    const admin = adminClient(server);
    const guests = async (networkId: string) =>
      (await admin.call('ListGuestUsers', { networkId })).guestlist ?? [];
    const report = (
      username: string,
      networkId: string,
      key: { accessKeyId: string; secretAccessKey: string },
    ) =>
      signedRequest(
        { ...server, credentials: { ...server.credentials, ...key } },
        'POST',
        `/client/v1/networks/${networkId}/guest-activity`,
        JSON.stringify({ username }),
      );

    // Unsigned: refused, and no guest is counted (nor is a member told apart).
    const unsigned = await signedRequest(
      server,
      'POST',
      `/client/v1/networks/${NET}/guest-activity`,
      JSON.stringify({ username: 'guest@fed.example' }),
      { sign: false },
    );
    expect(unsigned.status).toBe(401);
    expect(await guests(NET)).toEqual([]);

    // A key not allowed the action, and a key of another account: refused, nothing written.
    const reader = await createKey(server.server.store.db, {
      accountId: server.credentials.accountId,
      actions: ['wickr:ListGuestUsers'],
    });
    expect((await report('guest@fed.example', NET, reader)).status).toBe(403);
    const stranger = await createKey(server.server.store.db, {
      accountId: '999999999999',
      actions: ['wickr:GuestActivity'],
    });
    expect((await report('guest@fed.example', NET, stranger)).status).toBe(404);
    // A key limited to another network of the account.
    const elsewhere = await createKey(server.server.store.db, {
      accountId: server.credentials.accountId,
      actions: ['wickr:GuestActivity'],
      networks: [OTHER],
    });
    expect((await report('guest@fed.example', NET, elsewhere)).status).toBe(403);
    expect(await guests(NET)).toEqual([]);

    // The federation's key: counted.
    const federation = await createKey(server.server.store.db, {
      accountId: server.credentials.accountId,
      actions: ['wickr:GuestActivity'],
      networks: [NET],
    });
    const ok = await report('guest@fed.example', NET, federation);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ networkId: NET, username: 'guest@fed.example' });
    expect((await guests(NET)).map((g) => g.username)).toEqual(['guest@fed.example']);
  });
});
