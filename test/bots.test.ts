/**
 * Bot passwords (challenges): the scrypt hash format, verification, and the bot sign-in
 * endpoint on an embedded server with tiny limits: throttled per bot and per address, never
 * locked by anonymous failures; one answer for an unknown, suspended or challenge-less bot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashChallenge, verifyChallenge } from '../src/domain/bot-challenge.js';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient } from './support/admin-call.js';

describe('challenge hashing', () => {
  it('stores a salted scrypt hash with its parameters, never the password', async () => {
    const h = await hashChallenge('correct horse battery staple');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(h).not.toContain('correct horse');
    const [, , , , salt, key] = h.split('$');
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
  });

  it('salts: the same password hashes differently each time', async () => {
    const a = await hashChallenge('s3cret-pw');
    const b = await hashChallenge('s3cret-pw');
    expect(a).not.toBe(b);
    expect(await verifyChallenge('s3cret-pw', a)).toBe(true);
    expect(await verifyChallenge('s3cret-pw', b)).toBe(true);
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const h = await hashChallenge('s3cret-pw');
    expect(await verifyChallenge('s3cret-pw', h)).toBe(true);
    expect(await verifyChallenge('s3cret-pW', h)).toBe(false);
    expect(await verifyChallenge('', h)).toBe(false);
    expect(await verifyChallenge('s3cret-pw ', h)).toBe(false);
  });

  it('treats a missing or malformed stored hash as no match', async () => {
    const h = await hashChallenge('s3cret-pw');
    const parts = h.split('$');
    expect(await verifyChallenge('s3cret-pw', null)).toBe(false);
    expect(await verifyChallenge('s3cret-pw', '')).toBe(false);
    expect(await verifyChallenge('s3cret-pw', 's3cret-pw')).toBe(false);
    expect(await verifyChallenge('s3cret-pw', ['bcrypt', ...parts.slice(1)].join('$'))).toBe(false);
    // Parameters out of bounds (memory exhaustion) or not a power of two.
    for (const n of ['3', '0', String(1 << 24), 'x']) {
      expect(await verifyChallenge('s3cret-pw', [parts[0], n, ...parts.slice(2)].join('$'))).toBe(
        false,
      );
    }
    // A different cost factor gives a different key: no match.
    expect(
      await verifyChallenge('s3cret-pw', [parts[0], '1024', ...parts.slice(2)].join('$')),
    ).toBe(false);
    const tampered = Buffer.from(parts[5]!, 'base64');
    tampered[0] = tampered[0]! ^ 1;
    expect(
      await verifyChallenge(
        's3cret-pw',
        [...parts.slice(0, 5), tampered.toString('base64')].join('$'),
      ),
    ).toBe(false);
  });
});

describe('bot sign-in endpoint', () => {
  let server: EmbeddedServer;

  const admin = () => adminClient(server);

  async function login(networkId: string, username: string, challenge: string) {
    const res = await fetch(`${server.endpoint}/client/v1/networks/${networkId}/bots/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, challenge }),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as Record<string, unknown>,
    };
  }

  let networkId: string;
  let groupId: string;

  beforeAll(async () => {
    server = await startEmbedded({
      // Per address: burst 8; per bot: half of it (4). No refill to speak of during the test.
      registrationRateLimit: { ratePerSecond: 0.001, burst: 8 },
      registrationLockout: 2,
    });
    networkId = (
      await admin().call('CreateNetwork', { networkName: 'bots', accessLevel: 'STANDARD' })
    ).networkId!;
    const groups = (await admin().call('ListSecurityGroups', { networkId })).securityGroups ?? [];
    groupId = groups[0]!.id;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('throttles guesses per bot and per address, but never locks the bot out for its owner', async () => {
    const created = await admin().call('CreateBot', {
      networkId,
      username: 'lockbot',
      groupId,
      challenge: 'right-password',
    });
    const botId = String(created.botId);

    // More wrong challenges than the old lockout (2): each only a 400.
    for (const wrong of ['wrong-1', 'wrong-2', 'wrong-3']) {
      expect((await login(networkId, 'lockbot', wrong)).status).toBe(400);
    }
    // The owner's right challenge still signs in (the 4th of the bot's burst of 4).
    expect((await login(networkId, 'lockbot', 'right-password')).status).toBe(200);
    expect((await admin().call('GetBot', { networkId, botId })).status).toBe(2);

    // The 5th is over the per-bot bucket: throttled, with the wait to come back after.
    const limited = await login(networkId, 'lockbot', 'wrong-4');
    expect(limited.status).toBe(429);
    const wait = Number(limited.retryAfter);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(String(limited.body['message'])).toMatch(/this bot/);

    // 5 of the address's 8 are spent: three more (any bot), then the address is limited.
    for (let i = 0; i < 3; i++)
      expect((await login(networkId, `nobody${i}bot`, 'x-x-x-x')).status).toBe(400);
    const byAddress = await login(networkId, 'otherbot', 'whatever');
    expect(byAddress.status).toBe(429);
    expect(String(byAddress.body['message'])).toMatch(/bot sign-ins from/);

    // Once the wait is over the bot signs in with its challenge: no administrator needed.
    await server.clock.advance(`${wait * 10}s`);
    expect((await login(networkId, 'lockbot', 'right-password')).status).toBe(200);
  });

  it('answers an unknown, a suspended and a challenge-less bot as a wrong challenge', async () => {
    await server.clock.advance('30d');
    const seeded = '72727272';
    await server.seed({
      networks: [
        {
          networkId: seeded,
          networkName: 'seeded bots',
          bots: [
            { username: 'barebot' },
            { username: 'sleepbot', challenge: 'pw-sleep', suspended: true },
            { username: 'livebot', challenge: 'pw-live' },
          ],
        },
      ],
    });
    const answers = [];
    for (const name of ['nosuchbot', 'sleepbot', 'barebot', 'livebot']) {
      const a = await login(seeded, name, 'not-the-challenge');
      answers.push({ status: a.status, retryAfter: a.retryAfter, body: a.body });
    }
    expect(answers[0]!.status).toBe(400);
    for (const a of answers) expect(a).toEqual(answers[0]);
    // Only the holder of the right challenge learns that the bot is suspended.
    expect((await login(seeded, 'sleepbot', 'pw-sleep')).status).toBe(403);
  });
});
