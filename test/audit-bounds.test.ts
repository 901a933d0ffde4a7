/**
 * Refused requests are recorded within bounds: unauthenticated noise from one address folds
 * into the first record of its minute (with a count of the repeats), an address gets at most
 * MAX_RECORDS_PER_MINUTE records a minute, and every stored field is capped (a User-Agent at
 * 512 bytes). A refusal of an authenticated request is always a record of its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKey } from '../src/auth/keys.js';
import { CAPS, capBytes, capParameters } from '../src/audit/record.js';
import { MAX_RECORDS_PER_MINUTE } from '../src/audit/trail.js';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient } from './support/admin-call.js';

const BIG_UA = `noise/${'x'.repeat(8 * 1024)}`;

let server: EmbeddedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const unsigned = (s: EmbeddedServer, path = '/networks', ua = BIG_UA) =>
  fetch(s.endpoint + path, { headers: { 'user-agent': ua } }).then((r) => r.status);

describe('refusal records', () => {
  it('fold repeats of one refusal from one address into one record a minute, User-Agent capped', async () => {
    server = await startEmbedded({ env: {} });
    const burst = await Promise.all(Array.from({ length: 50 }, () => unsigned(server!)));
    expect(new Set(burst)).toEqual(new Set([401]));
    for (let i = 0; i < 150; i++) expect(await unsigned(server)).toBe(401);

    let records = (await server.audit({ operation: 'ListNetworks' })).records;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'refused', status: 401, repeats: 199 });
    expect(Buffer.byteLength(records[0]!.userAgent!)).toBeLessThanOrEqual(CAPS.userAgent);
    expect(records[0]!.userAgent!.startsWith('noise/xxx')).toBe(true);

    // A minute later, the next refusal starts a record of its own.
    server.clock.advance(61_000);
    expect(await unsigned(server)).toBe(401);
    records = (await server.audit({ operation: 'ListNetworks' })).records;
    expect(records.map((r) => r.repeats)).toEqual([0, 199]);

    // A record deleted meanwhile (the retention purge) takes no repeats: a new one is written.
    await server.server.store.db.deleteFrom('audit_log').execute();
    expect(await unsigned(server)).toBe(401);
    expect((await server.audit({ operation: 'ListNetworks' })).records).toHaveLength(1);
  });

  it('give an address at most a few records a minute, whatever it calls', async () => {
    server = await startEmbedded({ env: {} });
    const paths = [
      '/networks',
      '/networks/12345678',
      '/networks/12345678/users',
      '/networks/12345678/bots',
      '/networks/12345678/security-groups',
      '/networks/12345678/settings',
      '/networks/12345678/guest-users',
      '/networks/12345678/users/count',
      '/networks/12345678/bots/count',
      '/networks/12345678/oidc',
      '/networks/12345678/tdf',
      '/networks/12345678/data-retention-bots',
      '/networks/12345678/guest-users/count',
      '/networks/12345678/guest-users/blocklist',
      '/_audit/records',
    ];
    for (const p of paths) expect(await unsigned(server, p, 'scanner/1.0')).toBe(401);
    const records = (await server.audit({})).records.filter((r) => r.userAgent === 'scanner/1.0');
    expect(records).toHaveLength(MAX_RECORDS_PER_MINUTE);
    const counted = records.reduce((n, r) => n + 1 + r.repeats, 0);
    expect(counted).toBe(paths.length);
  });

  it('keep every refusal of an authenticated key', async () => {
    server = await startEmbedded({ env: {} });
    const key = await createKey(server.server.store.db, {
      accountId: server.credentials.accountId,
      actions: ['wickr:Get*'],
    });
    const client = adminClient({ ...server, credentials: { ...server.credentials, ...key } });
    for (let i = 0; i < 3; i++) {
      await expect(client.call('ListNetworks', {})).rejects.toMatchObject({ status: 403 });
    }
    const records = (await server.audit({ operation: 'ListNetworks' })).records;
    expect(records.map((r) => [r.status, r.repeats])).toEqual([
      [403, 0],
      [403, 0],
      [403, 0],
    ]);
  });
});

describe('stored fields', () => {
  it('are cut at a character boundary within their byte cap', () => {
    expect(capBytes('short', 512)).toBe('short');
    const euro = '€'.repeat(400); // 1,200 bytes
    const cut = capBytes(euro, 512);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(512);
    expect(cut.endsWith('€…')).toBe(true);
  });

  it('keep parameters bounded: each string, each list and the whole', () => {
    const long = JSON.parse(capParameters({ name: 'n'.repeat(5000) })!) as { name: string };
    expect(Buffer.byteLength(long.name)).toBeLessThanOrEqual(CAPS.parameterText);
    const list = JSON.parse(capParameters({ ids: Array.from({ length: 500 }, (_, i) => i) })!) as {
      ids: number[];
    };
    expect(list.ids).toHaveLength(CAPS.parameterItems);
    const wide = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`m${i}`, 'v'.repeat(900)]),
    );
    expect(JSON.parse(capParameters(wide)!)).toMatchObject({ truncated: true });
    expect(capParameters(undefined)).toBeNull();
  });
});
