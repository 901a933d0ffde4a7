/**
 * The console's sign-in lockouts (issue 22, item 6): counted per access key as well as per
 * address, so guesses spread over many addresses still meet a limit; a success clears only its
 * own key's counter and never the failures others left on its address; counted in the
 * database, so that replicas share them and concurrent guesses cannot all pass one check. And
 * the registration limits (per address, per user), shared by replicas too.
 * The addresses vary through X-Forwarded-For from a trusted proxy (loopback).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKey } from '../src/auth/keys.js';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { createTestDatabase } from './support/postgres.mjs';

const ENGINES = ['sqlite', 'postgres'] as const;

/** One sign-in from `client` (a forwarded address) with an access key and a secret. */
async function signIn(s: EmbeddedServer, client: string, accessKeyId: string, secret: string) {
  const res = await fetch(`${s.endpoint}/console/api/session`, {
    method: 'POST',
    headers: { 'x-forwarded-for': client, 'content-type': 'application/json' },
    body: JSON.stringify({ accessKeyId, secretAccessKey: secret }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

const closing: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closing.reverse()) await c();
});

/** A server (or another replica of one database) behind a trusted loopback proxy. */
async function server(databaseUrl?: string): Promise<EmbeddedServer> {
  const s = await startEmbedded({
    env: {},
    trustedProxies: '127.0.0.1',
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  closing.push(() => s.close());
  return s;
}

describe.each(ENGINES)('sign-in limits on %s', (engine) => {
  async function database(): Promise<string | undefined> {
    if (engine !== 'postgres') return undefined;
    const db = await createTestDatabase();
    closing.push(() => db.drop());
    return db.url;
  }

  it('limits guesses on one key spread over many addresses', async () => {
    const s = await server(await database());
    const key = s.credentials.accessKeyId;
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      statuses.push((await signIn(s, `198.51.100.${i + 1}`, key, `wrong-${i}`)).status);
    }
    // Twenty guesses on the key, whichever addresses they come from; then it backs off.
    expect(statuses.filter((st) => st === 401)).toHaveLength(20);
    expect(statuses.slice(20).every((st) => st === 429)).toBe(true);
    // Blanks and case do not make another counter.
    expect((await signIn(s, '198.51.100.200', ` ${key.toLowerCase()} `, 'x')).status).toBe(429);
    const refused = await signIn(s, '198.51.100.201', key, 'wrong');
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(String(refused.body['message'])).toMatch(/failed sign-ins for this access key/);
    // Once the back-off has passed, the key's owner signs in.
    await s.clock.advance('20m');
    const owner = await signIn(s, '192.0.2.1', key, s.credentials.secretAccessKey);
    expect(owner.status).toBe(200);
  });

  it('is not cleared by a correct sign-in of another key from the same address', async () => {
    const s = await server(await database());
    const victim = s.credentials.accessKeyId;
    // The attacker holds a key of its own, and signs in with it between guesses.
    const own = await createKey(s.server.store.db, {
      accountId: s.credentials.accountId,
      actions: ['wickr:ListNetworks'],
    });
    const attacker = '203.0.113.9';
    let guesses = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3; i++) {
        if ((await signIn(s, attacker, victim, `guess-${round}-${i}`)).status === 401) guesses++;
      }
      await signIn(s, attacker, own.accessKeyId, own.secretAccessKey);
    }
    // The address's five, not thirty.
    expect(guesses).toBe(5);
    // The attacker's own success did not lift the address's back-off either.
    const after = await signIn(s, attacker, own.accessKeyId, own.secretAccessKey);
    expect(after.status).toBe(429);
    // A typo and then the right secret leave nothing behind for its address.
    await signIn(s, '192.0.2.7', victim, 'typo');
    expect((await signIn(s, '192.0.2.7', victim, s.credentials.secretAccessKey)).status).toBe(200);
  });

  it('admits no more guesses than the limit, however many arrive at once', async () => {
    const s = await server(await database());
    const key = s.credentials.accessKeyId;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn(s, '203.0.113.50', key, `burst-${i}`)),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((st) => st === 401)).toHaveLength(5);
    expect(statuses.filter((st) => st === 429)).toHaveLength(25);
  });
});

describe('sign-in limits on PostgreSQL replicas', () => {
  it('is shared by replicas of one database', async () => {
    const db = await createTestDatabase();
    closing.push(() => db.drop());
    const a = await server(db.url);
    const b = await server(db.url);
    const key = a.credentials.accessKeyId;
    const statuses: number[] = [];
    // One address, alternating between the replicas: five in all, not five each.
    for (let i = 0; i < 12; i++) {
      statuses.push((await signIn(i % 2 ? b : a, '203.0.113.77', key, `r-${i}`)).status);
    }
    expect(statuses.filter((st) => st === 401)).toHaveLength(5);
    // And the key's counter: many addresses, both replicas, concurrently.
    const spread = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signIn(i % 2 ? b : a, `198.51.100.${i + 1}`, key, `spread-${i}`),
      ),
    );
    // The key already had the five above: fifteen more across both replicas, then refused.
    expect(spread.filter((r) => r.status === 401)).toHaveLength(15);
    expect(spread.filter((r) => r.status === 429)).toHaveLength(25);
  });
});

describe('registration limits on PostgreSQL replicas', () => {
  it('are shared: per address and per user, whichever replica is asked', async () => {
    const db = await createTestDatabase();
    closing.push(() => db.drop());
    const NET = '75757575';
    const options = {
      env: {},
      trustedProxies: '127.0.0.1',
      databaseUrl: db.url,
      // Four registrations per address, two per user; no refill to speak of.
      registrationRateLimit: { ratePerSecond: 0.001, burst: 4 },
      registrationLockout: 100,
    };
    const a = await startEmbedded({
      ...options,
      fixture: {
        networks: [
          { networkId: NET, networkName: 'shared', users: [{ username: 'real@example.com' }] },
        ],
      },
    });
    closing.push(() => a.close());
    const b = await startEmbedded(options);
    closing.push(() => b.close());
    const register = async (s: EmbeddedServer, client: string, username: string) =>
      (
        await fetch(`${s.endpoint}/client/v1/networks/${NET}/register`, {
          method: 'POST',
          headers: { 'x-forwarded-for': client, 'content-type': 'application/json' },
          body: JSON.stringify({ username, inviteCode: 'GUESS', deviceName: 'd', platform: 'p' }),
        })
      ).status;

    // One user's code guessed from four addresses, alternating replicas: two, not four.
    const perUser = [];
    for (let i = 0; i < 4; i++) {
      perUser.push(await register(i % 2 ? b : a, `198.51.100.${i + 1}`, 'real@example.com'));
    }
    expect(perUser).toEqual([400, 400, 429, 429]);

    // One address guessing at six users, alternating replicas: four, not eight.
    const perAddress = [];
    for (let i = 0; i < 6; i++) {
      perAddress.push(await register(i % 2 ? b : a, '203.0.113.40', `user${i}@example.com`));
    }
    expect(perAddress).toEqual([400, 400, 400, 400, 429, 429]);
  });
});
