/**
 * Bot passwords (challenges): the scrypt hash format, verification, and the bot sign-in
 * endpoint's lockout and rate limits on an embedded server with tiny limits.
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

  it('locks a bot out after the limit, then limits its rate, then the address', async () => {
    const created = await admin().call('CreateBot', {
      networkId,
      username: 'lockbot',
      groupId,
      challenge: 'right-password',
    });
    const botId = String(created.botId);

    expect((await login(networkId, 'lockbot', 'wrong-1')).status).toBe(400);
    expect((await login(networkId, 'lockbot', 'wrong-2')).status).toBe(400);
    const bot = await admin().call('GetBot', { networkId, botId });
    expect(bot.status).toBe(1);
    // Locked: even the right challenge is refused.
    const locked = await login(networkId, 'lockbot', 'right-password');
    expect(locked.status).toBe(403);
    expect(String(locked.body['message'])).toMatch(/locked/);

    // The 4th attempt passes the per-bot bucket (burst 4), the 5th does not.
    expect((await login(networkId, 'lockbot', 'right-password')).status).toBe(403);
    const limited = await login(networkId, 'lockbot', 'right-password');
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(String(limited.body['message'])).toMatch(/this bot/);

    // 5 of the address's 8 are spent: three more (any bot), then the address is limited.
    for (let i = 0; i < 3; i++)
      expect((await login(networkId, `nobody${i}bot`, 'x-x-x-x')).status).toBe(400);
    const byAddress = await login(networkId, 'otherbot', 'whatever');
    expect(byAddress.status).toBe(429);
    expect(String(byAddress.body['message'])).toMatch(/bot sign-ins from/);
  });
});
