/**
 * WICKR_TRUSTED_PROXIES: X-Forwarded-For is believed only from a trusted hop, read from the
 * right past every trusted hop; then the client's address is the one every limit, lockout and
 * audit record uses. From any other peer the header is ignored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.js';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import {
  plainAddress,
  sourceAddress,
  TrustedProxies,
  trustedProxiesOf,
} from '../src/pipeline/source-address.js';

describe('the source address', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

  it('is the peer when no proxy is trusted, or the peer is not one', () => {
    expect(sourceAddress('198.51.100.1', '203.0.113.5', undefined)).toBe('198.51.100.1');
    expect(sourceAddress('198.51.100.1', '203.0.113.5', proxies)).toBe('198.51.100.1');
    expect(sourceAddress('::ffff:198.51.100.1', undefined, proxies)).toBe('198.51.100.1');
  });

  it("is the first hop, from the right, that is not a trusted proxy's", () => {
    // The client wrote the left-most entries itself; only what trusted hops added counts.
    expect(sourceAddress('10.1.2.3', '6.6.6.6, 203.0.113.5', proxies)).toBe('203.0.113.5');
    expect(sourceAddress('10.1.2.3', '6.6.6.6, 203.0.113.5, 192.0.2.7', proxies)).toBe(
      '203.0.113.5',
    );
    expect(sourceAddress('10.1.2.3', ['6.6.6.6, 203.0.113.5', '10.9.9.9'], proxies)).toBe(
      '203.0.113.5',
    );
    expect(sourceAddress('fd00::1', '[2001:db8::5]:4321', proxies)).toBe('2001:db8::5');
    expect(sourceAddress('10.1.2.3', '203.0.113.5:8080', proxies)).toBe('203.0.113.5');
    // Every hop trusted: the left-most.
    expect(sourceAddress('10.1.2.3', '10.4.4.4', proxies)).toBe('10.4.4.4');
    // Something that is not an address ends the walk at the last hop that was one.
    expect(sourceAddress('10.1.2.3', 'junk, 10.4.4.4', proxies)).toBe('10.4.4.4');
    expect(sourceAddress('10.1.2.3', '', proxies)).toBe('10.1.2.3');
  });

  it('reads addresses and CIDR blocks, and refuses anything else', () => {
    expect(trustedProxiesOf(' 127.0.0.1, ::1 10.0.0.0/8 ')?.size).toBe(3);
    expect(trustedProxiesOf('')).toBeUndefined();
    for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0/8', '::1/129', '1.2.3.4/8/1']) {
      expect(() => new TrustedProxies([bad])).toThrow(/not an IP address or a CIDR block/);
    }
    expect(() => configFromEnv({ WICKR_TRUSTED_PROXIES: 'nope' })).toThrow(
      /WICKR_TRUSTED_PROXIES: "nope"/,
    );
    expect(configFromEnv({}).trustedProxies).toBeUndefined();
    expect(plainAddress('[::1]')).toBe('::1');
    expect(plainAddress('x')).toBeUndefined();
  });
});

describe('behind a trusted proxy', () => {
  let server: EmbeddedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const NET = '71717171';
  const fixture = {
    networks: [
      {
        networkId: NET,
        networkName: 'proxied',
        users: [{ username: 'real@example.com', inviteCode: 'REAL-CODE-1' }],
      },
    ],
  };
  /** A registration; guesses (the code GUESS-n) each name another user, so only the address limit bites. */
  const register = (s: EmbeddedServer, client: string | undefined, inviteCode: string) =>
    fetch(`${s.endpoint}/client/v1/networks/${NET}/register`, {
      method: 'POST',
      headers: client ? { 'x-forwarded-for': client } : {},
      body: JSON.stringify({
        username: inviteCode.startsWith('GUESS') ? `${inviteCode}@example.com` : 'real@example.com',
        inviteCode,
        deviceName: 'phone',
        platform: 'iOS',
      }),
    });
  const signIn = (s: EmbeddedServer, client: string, secret: string) =>
    fetch(`${s.endpoint}/console/api/session`, {
      method: 'POST',
      headers: { 'x-forwarded-for': client },
      body: JSON.stringify({ accessKeyId: s.credentials.accessKeyId, secretAccessKey: secret }),
    });

  it("gives each client its own limits and lockouts, and the audit trail the client's address", async () => {
    server = await startEmbedded({
      env: {},
      fixture,
      trustedProxies: '127.0.0.1',
      // Two registrations per address, then refused.
      registrationRateLimit: { ratePerSecond: 0.001, burst: 2 },
      registrationLockout: 100,
    });
    const attacker = '203.0.113.66';
    for (const code of ['GUESS-1', 'GUESS-2']) {
      expect((await register(server, attacker, code)).status).toBe(400);
    }
    expect((await register(server, attacker, 'GUESS-3')).status).toBe(429);
    // The invitee behind the same proxy is not limited by the attacker's guesses.
    expect((await register(server, '198.51.100.20', 'REAL-CODE-1')).status).toBe(200);

    // Six wrong sign-ins lock the attacker out, not the administrator.
    for (let i = 0; i < 5; i++) expect((await signIn(server, attacker, `x${i}`)).status).toBe(401);
    expect((await signIn(server, attacker, 'x5')).status).toBe(429);
    const admin = await signIn(server, '198.51.100.21', server.credentials.secretAccessKey);
    expect(admin.status).toBe(200);

    const records = (await server.audit({})).records;
    const registered = records.find((r) => r.operation === 'Register' && r.status === 200);
    expect(registered?.sourceIp).toBe('198.51.100.20');
    expect(records.find((r) => r.operation === 'Register' && r.status === 429)?.sourceIp).toBe(
      attacker,
    );
    const signedIn = records.find((r) => r.operation === 'SignIn' && r.status === 200);
    expect(signedIn?.sourceIp).toBe('198.51.100.21');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    server = await startEmbedded({
      env: {},
      fixture,
      registrationRateLimit: { ratePerSecond: 0.001, burst: 2 },
      registrationLockout: 100,
    });
    // Claiming other addresses does not escape the peer's own limit.
    expect((await register(server, '203.0.113.1', 'GUESS-1')).status).toBe(400);
    expect((await register(server, '203.0.113.2', 'GUESS-2')).status).toBe(400);
    expect((await register(server, '203.0.113.3', 'GUESS-3')).status).toBe(429);
    const records = (await server.audit({ operation: 'Register' })).records;
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(r.sourceIp).toBe('127.0.0.1');
  });
});
