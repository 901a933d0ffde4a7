/**
 * The audit trail beyond the Admin API's own calls: console sign-ins and actions, the invitee
 * endpoints, the signed read (GET /_audit/records) and `wickr-admin audit list --endpoint`,
 * RegisterOidcConfig's record committed with its change, and the retention purge.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKey } from '../src/auth/keys.js';
import { signRequest } from '../src/client/signer.js';
import type { AuditRecord } from '../src/audit/list.js';
import { signedRequest } from './support/signed-request.js';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import { repoRoot, runCli } from './support/cli-run.js';

const NET = '51515151';
const OTHER = '52525252';
const DAY = 86_400_000;
const UA = 'audit-test/1.0';

const fixture = {
  networks: [
    {
      networkId: NET,
      networkName: 'audited',
      securityGroups: [{ id: 'grp1', name: 'Everyone', isDefault: true }],
      users: [
        { username: 'pending@example.com', inviteCode: 'PENDING-CODE-1' },
        { username: 'decliner@example.com', inviteCode: 'DECLINE-CODE-1' },
      ],
      bots: [{ username: 'auditedbot', securityGroup: 'grp1', challenge: 'Bot-Secret-123' }],
    },
    { networkId: OTHER, networkName: 'other' },
  ],
};

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A SigV4-signed GET of the signed audit read (or unsigned, with `creds` null). */
async function auditRead(
  server: EmbeddedServer,
  query: Record<string, string>,
  creds: Creds | null = server.credentials,
) {
  const url = new URL(server.endpoint);
  const path = `/_audit/records?${new URLSearchParams(query).toString().replace(/\+/g, '%20')}`;
  const headers = creds
    ? signRequest({
        method: 'GET',
        url: path,
        host: url.host,
        headers: { 'user-agent': UA },
        body: '',
        credentials: creds,
        region: 'us-east-1',
      })
    : { 'user-agent': UA };
  delete (headers as Record<string, string>)['host'];
  const res = await fetch(server.endpoint + path, { headers });
  return {
    status: res.status,
    errorType: res.headers.get('x-amzn-errortype'),
    body: (await res.json()) as { records?: AuditRecord[]; nextToken?: string; message?: string },
  };
}

/** A federated network's guest report: signed (with the root key, allowed every action). */
const report = (server: EmbeddedServer, path: string, body: unknown) =>
  signedRequest(server, 'POST', path, JSON.stringify(body), { headers: { 'user-agent': UA } });

async function post(server: EmbeddedServer, path: string, body: unknown, headers = {}) {
  const res = await fetch(server.endpoint + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': UA, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('console sign-ins and actions', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbedded({ env: {}, fixture });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('records sign-in, refusals, lockout, an action and sign-out; never the secret', async () => {
    const { accessKeyId, secretAccessKey } = server.credentials;
    const signIn = (secret: string, id = accessKeyId) =>
      post(server, '/console/api/session', { accessKeyId: id, secretAccessKey: secret });

    const ok = await signIn(secretAccessKey);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = (JSON.parse(ok.text) as { csrfToken: string }).csrfToken;

    // A change through the console: a security group, run by the pipeline as the session's key.
    const created = await post(
      server,
      '/console/api/operations/CreateSecurityGroup',
      { networkId: NET, name: 'Console made', securityGroupSettings: {} },
      { cookie, 'x-csrf-token': csrf },
    );
    expect(created.status).toBe(200);
    // Without the CSRF token: refused, and recorded as the pipeline's refusals are.
    const noCsrf = await post(
      server,
      '/console/api/operations/DeleteNetwork',
      { networkId: NET },
      { cookie },
    );
    expect(noCsrf.status).toBe(403);

    const out = await fetch(`${server.endpoint}/console/api/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': csrf, 'user-agent': UA },
    });
    expect(out.status).toBe(200);

    // Wrong secrets until the address is locked out; an unknown key; then the lockout.
    expect((await signIn('wrong-secret-1', 'AKIANOSUCHKEY0000001')).status).toBe(401);
    for (let i = 0; i < 4; i++) expect((await signIn(`wrong-secret-${i}`)).status).toBe(401);
    expect((await signIn('wrong-secret-x')).status).toBe(429);

    const { records } = await server.audit({});
    const consoleRecords = records.filter((r) => r.source === 'console');
    const signIns = consoleRecords.filter((r) => r.operation === 'SignIn');
    // Refusals repeated from one address within a minute fold into one record, per key claimed.
    expect(signIns.map((r) => [r.outcome, r.status, r.repeats])).toEqual([
      ['refused', 429, 0],
      ['refused', 401, 3],
      ['refused', 401, 0],
      ['success', 200, 0],
    ]);
    const success = signIns[signIns.length - 1]!;
    expect(success).toMatchObject({
      accessKeyId,
      accountId: server.credentials.accountId,
      region: 'us-east-1',
      userAgent: UA,
      // The request as sent (the region defaulted), its secret masked.
      parameters: { accessKeyId, secretAccessKey: '***' },
    });
    expect(success.sourceIp).toMatch(/127\.0\.0\.1/);
    expect(signIns.find((r) => r.accessKeyId === 'AKIANOSUCHKEY0000001')).toMatchObject({
      outcome: 'refused',
      errorName: 'UnauthorizedError',
    });
    expect(signIns[0]).toMatchObject({ errorName: 'RateLimitError', accessKeyId });

    const [action] = records.filter((r) => r.operation === 'CreateSecurityGroup');
    expect(action).toMatchObject({
      source: 'console',
      outcome: 'success',
      accessKeyId,
      networkId: NET,
      userAgent: UA,
    });
    expect(action!.sourceIp).toMatch(/127\.0\.0\.1/);
    expect(consoleRecords.find((r) => r.operation === 'DeleteNetwork')).toMatchObject({
      outcome: 'refused',
      status: 403,
      errorName: 'ForbiddenError',
    });
    expect(consoleRecords.find((r) => r.operation === 'SignOut')).toMatchObject({
      outcome: 'success',
      accessKeyId,
    });
    const all = JSON.stringify(records);
    expect(all).not.toContain(secretAccessKey);
    expect(all).not.toContain('wrong-secret');
  });

  it('finds the sign-in and the console change with `wickr-admin audit list --endpoint`', async () => {
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: mkdtempSync(join(tmpdir(), 'wickr-audit-home-')),
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
    };
    const run = await runCli(
      ['audit', 'list', '--endpoint', server.endpoint, '--format', 'json'],
      env,
      repoRoot,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const records = JSON.parse(run.stdout) as AuditRecord[];
    expect(records.some((r) => r.source === 'console' && r.operation === 'SignIn')).toBe(true);
    expect(
      records.some((r) => r.source === 'console' && r.operation === 'CreateSecurityGroup'),
    ).toBe(true);
    // Filters reach the server; the table format reads the same records.
    const table = await runCli(
      ['audit', 'list', '--endpoint', server.endpoint, '--operation', 'SignOut'],
      env,
      repoRoot,
    );
    const lines = table.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('SignOut');
  });
});

describe('the invitee endpoints', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbedded({
      env: {},
      fixture,
      registrationRateLimit: { ratePerSecond: 1000, burst: 1000 },
      // Behind a (loopback) proxy, so that a request can come from another client.
      trustedProxies: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await server?.close();
  });
  const base = `/client/v1/networks/${NET}`;

  it('records registrations, declines, bot sign-ins and guest activity with codes masked', async () => {
    const device = { deviceName: 'phone', platform: 'iOS' };
    // Known and unknown usernames with a wrong code: the same answer, the same record.
    const known = await post(server, `${base}/register`, {
      username: 'pending@example.com',
      inviteCode: 'WRONG-CODE-1',
      ...device,
    });
    // From another client: two refusals from one address within a minute would fold.
    const unknown = await post(
      server,
      `${base}/register`,
      { username: 'nobody@example.com', inviteCode: 'WRONG-CODE-2', ...device },
      { 'x-forwarded-for': '198.51.100.9' },
    );
    expect(known.status).toBe(400);
    expect(unknown.text).toBe(known.text);
    expect(
      (
        await post(server, `${base}/register`, {
          username: 'pending@example.com',
          inviteCode: 'PENDING-CODE-1',
          ...device,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await post(server, `${base}/decline`, {
          username: 'decliner@example.com',
          inviteCode: 'DECLINE-CODE-1',
        })
      ).status,
    ).toBe(200);
    expect(
      (await post(server, `${base}/bots/login`, { username: 'auditedbot', challenge: 'nope' }))
        .status,
    ).toBe(400);
    expect(
      (
        await post(server, `${base}/bots/login`, {
          username: 'auditedbot',
          challenge: 'Bot-Secret-123',
        })
      ).status,
    ).toBe(200);
    expect(
      (await report(server, `${base}/guest-activity`, { username: 'guest@elsewhere.example' }))
        .status,
    ).toBe(200);
    // A wrong code on the invitation page counts a failure: recorded. A right one is a read.
    const view = (code: string) =>
      fetch(
        `${server.endpoint}${base}/invitation?username=decliner%40example.com&inviteCode=${code}`,
        { headers: { accept: 'text/html', 'user-agent': UA } },
      );
    expect((await view('NOT-THE-CODE')).status).toBe(400);

    const records = (await server.audit({})).records.filter((r) => r.source === 'invitee');
    const summary = records.map((r) => [r.operation, r.outcome, r.status]).reverse();
    expect(summary).toEqual([
      ['Register', 'refused', 400],
      ['Register', 'refused', 400],
      ['Register', 'success', 200],
      ['Decline', 'success', 200],
      ['BotSignIn', 'refused', 400],
      ['BotSignIn', 'success', 200],
      ['GuestActivity', 'success', 200],
      ['ViewInvitation', 'refused', 400],
    ]);
    const [view1, , , , , , refusedUnknown, refusedKnown] = records;
    // The two refusals differ only in what the caller sent.
    const shape = (r: AuditRecord) => ({
      ...r,
      id: 0,
      time: '',
      requestId: '',
      eventId: '',
      sourceIp: '',
      parameters: { ...(r.parameters as object), username: '' },
    });
    expect(shape(refusedUnknown!)).toEqual(shape(refusedKnown!));
    expect(refusedKnown).toMatchObject({
      networkId: NET,
      userAgent: UA,
      errorName: 'BadRequestError',
      parameters: {
        networkId: NET,
        username: 'pending@example.com',
        inviteCode: '***',
        deviceName: 'phone',
        platform: 'iOS',
      },
    });
    expect(refusedKnown!.sourceIp).toMatch(/127\.0\.0\.1/);
    expect(refusedUnknown!.sourceIp).toBe('198.51.100.9');
    expect(refusedKnown!.accessKeyId).toBeNull();
    expect(view1!.parameters).toMatchObject({ inviteCode: '***' });
    const bot = records.find((r) => r.operation === 'BotSignIn' && r.outcome === 'success');
    expect(bot!.parameters).toMatchObject({ username: 'auditedbot', challenge: '***' });
    const all = JSON.stringify(records);
    for (const secret of [
      'PENDING-CODE-1',
      'DECLINE-CODE-1',
      'WRONG-CODE',
      'Bot-Secret-123',
      'NOT-THE-CODE',
    ])
      expect(all).not.toContain(secret);
  });

  it('records rate-limited and malformed requests as refused', async () => {
    const limited = await startEmbedded({
      env: {},
      fixture,
      registrationRateLimit: { ratePerSecond: 0.001, burst: 1 },
    });
    try {
      const attempt = () =>
        post(limited, `${base}/register`, { username: 'x@example.com', inviteCode: 'X' });
      expect((await attempt()).status).toBe(400); // members missing
      expect((await attempt()).status).toBe(429);
      const records = (await limited.audit({})).records.filter((r) => r.source === 'invitee');
      expect(records.map((r) => [r.operation, r.outcome, r.status, r.errorName])).toEqual([
        ['Register', 'refused', 429, 'RateLimitError'],
        ['Register', 'refused', 400, 'BadRequestError'],
      ]);
      expect(JSON.stringify(records)).not.toContain('"X"');
    } finally {
      await limited.close();
    }
  });
});

describe("the invitee endpoints' records", () => {
  let server: EmbeddedServer | undefined;
  afterAll(async () => {
    await server?.close();
  });

  it('commit with the change they record: a failing record registers and counts nothing', async () => {
    server = await startEmbedded({ env: {}, fixture });
    const db = server.server.store.db;
    const base = `/client/v1/networks/${NET}`;
    const users = () =>
      db
        .selectFrom('members')
        .select(['username', 'status', 'invite_declined_at'])
        .where('kind', '=', 'user')
        .orderBy('username')
        .execute();
    const guests = () => db.selectFrom('guest_users').select('username').execute();
    const before = await users();
    await sql`CREATE TRIGGER audit_refuses BEFORE INSERT ON audit_log
      WHEN NEW.source = 'invitee' AND NEW.outcome = 'success'
      BEGIN SELECT RAISE(ABORT, 'audit record refused'); END`.execute(db);
    const device = { deviceName: 'phone', platform: 'iOS' };
    const answers = [
      await post(server, `${base}/register`, {
        username: 'pending@example.com',
        inviteCode: 'PENDING-CODE-1',
        ...device,
      }),
      await post(server, `${base}/decline`, {
        username: 'decliner@example.com',
        inviteCode: 'DECLINE-CODE-1',
      }),
      await post(server, `${base}/bots/login`, {
        username: 'auditedbot',
        challenge: 'Bot-Secret-123',
      }),
      await report(server, `${base}/guest-activity`, { username: 'guest@elsewhere.example' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([500, 500, 500, 500]);
    expect(await users()).toEqual(before);
    expect(await guests()).toEqual([]);
    const bot = await db
      .selectFrom('members')
      .select('status')
      .where('username', '=', 'auditedbot')
      .executeTakeFirstOrThrow();
    expect(bot.status).not.toBe(2);
    await sql`DROP TRIGGER audit_refuses`.execute(db);

    // Without the failure the same requests succeed, each with its record.
    const again = await post(server, `${base}/register`, {
      username: 'pending@example.com',
      inviteCode: 'PENDING-CODE-1',
      ...device,
    });
    expect(again.status).toBe(200);
    const records = (await server.audit({ operation: 'Register' })).records.filter(
      (r) => r.outcome === 'success',
    );
    expect(records).toHaveLength(1);
  });
});

describe('the signed read of the audit trail', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbedded({ env: {}, fixture });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers a key allowed wickr:LookupAuditRecords, with filters and pages', async () => {
    // Some history: four console sign-ins.
    for (let i = 0; i < 4; i++) {
      const r = await post(server, '/console/api/session', {
        accessKeyId: server.credentials.accessKeyId,
        secretAccessKey: server.credentials.secretAccessKey,
      });
      expect(r.status).toBe(200);
    }
    const root = await auditRead(server, { operation: 'SignIn', limit: '3' });
    expect(root.status).toBe(200);
    expect(root.body.records).toHaveLength(3);
    expect(root.body.nextToken).toBeTruthy();
    const rest = await auditRead(server, {
      operation: 'SignIn',
      limit: '3',
      nextToken: root.body.nextToken!,
    });
    expect(rest.body.records).toHaveLength(1);
    expect(rest.body.nextToken).toBeUndefined();
    const ids = [...root.body.records!, ...rest.body.records!].map((r) => r.id);
    expect(new Set(ids).size).toBe(4);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    // A key limited to one network reads that network's records only.
    const limited = await createKey(server.server.store.db, {
      accountId: server.credentials.accountId,
      actions: ['wickr:LookupAuditRecords'],
      networks: [NET],
    });
    await report(server, `/client/v1/networks/${NET}/guest-activity`, { username: 'g1@x.example' });
    await report(server, `/client/v1/networks/${OTHER}/guest-activity`, {
      username: 'g2@x.example',
    });
    const mine = await auditRead(server, {}, limited);
    expect(mine.status).toBe(200);
    expect(mine.body.records!.map((r) => r.networkId)).toEqual([NET]);
    const theirs = await auditRead(server, { network: OTHER }, limited);
    expect(theirs.status).toBe(403);
    const since = await auditRead(server, { since: '1h', until: '2999-01-01T00:00:00Z' });
    expect(since.body.records!.length).toBeGreaterThanOrEqual(6);
    const bad = await auditRead(server, { limit: '0', since: 'yesterday', nextToken: 'zz' });
    expect(bad.status).toBe(422);
    expect(bad.errorType).toBe('ValidationError');
  });

  it('refuses unsigned and unauthorized reads, and records the refusals', async () => {
    const unsigned = await auditRead(server, {}, null);
    expect(unsigned.status).toBe(401);
    const reader = await createKey(server.server.store.db, {
      accountId: server.credentials.accountId,
      actions: ['wickr:Get*', 'wickr:List*'],
    });
    const denied = await auditRead(server, {}, reader);
    expect(denied.status).toBe(403);
    expect(denied.errorType).toBe('ForbiddenError');
    const badSecret = await auditRead(
      server,
      {},
      {
        accessKeyId: server.credentials.accessKeyId,
        secretAccessKey: 'not-the-secret',
      },
    );
    expect(badSecret.status).toBe(401);

    // Newest first; the oldest is the network-limited key's refusal of the test before.
    const refused = (await server.audit({ operation: 'LookupAuditRecords' })).records.slice(0, 3);
    expect(refused.map((r) => [r.outcome, r.status, r.accessKeyId])).toEqual([
      ['refused', 401, server.credentials.accessKeyId],
      ['refused', 403, reader.accessKeyId],
      ['refused', 401, null],
    ]);
    expect(refused[1]).toMatchObject({ userAgent: UA, source: 'admin-api' });
    // A successful read is a read: not recorded.
    expect(
      (await server.audit({ operation: 'LookupAuditRecords' })).records.every(
        (r) => r.outcome === 'refused',
      ),
    ).toBe(true);
  });

  it('is read by `wickr-admin audit list --endpoint` with a profile, and refused without', async () => {
    const home = mkdtempSync(join(tmpdir(), 'wickr-audit-home-'));
    const { writeFileSync } = await import('node:fs');
    const credentials = join(home, 'credentials');
    writeFileSync(
      credentials,
      `[auditor]\naws_access_key_id = ${server.credentials.accessKeyId}\naws_secret_access_key = ${server.credentials.secretAccessKey}\n`,
    );
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
    };
    const ok = await runCli(
      [
        'audit',
        'list',
        '--endpoint',
        server.endpoint,
        '--profile',
        'auditor',
        '--operation',
        'SignIn',
        '--limit',
        '2',
        '--format',
        'json',
      ],
      env,
      home,
    );
    expect(ok.stderr).toBe('');
    expect((JSON.parse(ok.stdout) as AuditRecord[]).map((r) => r.operation)).toEqual([
      'SignIn',
      'SignIn',
    ]);
    const wrong = await runCli(
      [
        'audit',
        'list',
        '--endpoint',
        server.endpoint,
        '--access-key-id',
        'AKIANOPE',
        '--secret-access-key',
        'x',
      ],
      env,
      home,
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/401/);
  });
});

describe("RegisterOidcConfig's record", () => {
  let server: EmbeddedServer;
  let provider: ChildProcess;
  let issuer: string;
  beforeAll(async () => {
    provider = spawn(process.execPath, [join(repoRoot, 'test/support/oidc-provider.mjs')], {
      cwd: repoRoot,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the OpenID provider did not start')),
        30_000,
      );
      createInterface({ input: provider.stdout! }).once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });
    issuer = (JSON.parse(line) as { issuer: string }).issuer;
    server = await startEmbedded({ env: {}, fixture });
  }, 40_000);
  afterAll(async () => {
    await server?.close();
    if (provider?.pid) process.kill(provider.pid, 'SIGTERM');
  });

  const save = (companyId: string) => {
    const url = new URL(server.endpoint);
    const path = `/networks/${NET}/oidc/save`;
    const body = JSON.stringify({
      companyId,
      issuer,
      scopes: 'openid email',
      secret: 'oidc-client-secret-1',
    });
    const headers = signRequest({
      method: 'POST',
      url: path,
      host: url.host,
      headers: { 'content-type': 'application/json' },
      body,
      credentials: server.credentials,
      region: 'us-east-1',
    });
    delete headers['host'];
    return fetch(server.endpoint + path, { method: 'POST', headers, body });
  };

  it('commits the configuration and its record together; a failing record saves nothing', async () => {
    const db = server.server.store.db;
    // The audit insert of RegisterOidcConfig fails: the configuration must not be saved.
    await sql`CREATE TRIGGER audit_refuses BEFORE INSERT ON audit_log
      WHEN NEW.operation = 'RegisterOidcConfig'
      BEGIN SELECT RAISE(ABORT, 'audit record refused'); END`.execute(db);
    const failed = await save('first');
    expect(failed.status).toBe(500);
    expect(await db.selectFrom('oidc_configs').selectAll().execute()).toEqual([]);
    await sql`DROP TRIGGER audit_refuses`.execute(db);

    const ok = await save('second');
    expect(ok.status).toBe(200);
    const [config] = await db.selectFrom('oidc_configs').selectAll().execute();
    expect(config!.company_id).toBe('second');
    const [record] = (await server.audit({ operation: 'RegisterOidcConfig' })).records;
    expect(record).toMatchObject({
      outcome: 'success',
      networkId: NET,
      parameters: { companyId: 'second', secret: '***' },
    });
  });
});

describe('the retention purge', () => {
  let server: EmbeddedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const change = (s: EmbeddedServer, username: string) =>
    report(s, `/client/v1/networks/${NET}/guest-activity`, { username });

  it('deletes records older than the retention when the clock moves past it', async () => {
    server = await startEmbedded({ env: {}, fixture, auditRetentionDays: 30 });
    await change(server, 'old@x.example');
    await server.clock.advance(20 * DAY);
    await change(server, 'newer@x.example');
    await server.clock.advance(11 * DAY); // the first is 31 days old, the second 11
    await vi.waitFor(
      async () =>
        expect((await server!.audit({})).records.map((r) => r.parameters)).toHaveLength(1),
      { timeout: 5000 },
    );
    const [kept] = (await server.audit({})).records;
    expect(kept!.parameters).toMatchObject({ username: 'newer@x.example' });
  });

  it('keeps records for ever with 0, and for 90 days by default', async () => {
    server = await startEmbedded({ env: { WICKR_AUDIT_RETENTION_DAYS: '0' }, fixture });
    await change(server, 'kept@x.example');
    await server.clock.advance(3650 * DAY);
    await new Promise((r) => setTimeout(r, 100));
    expect((await server.audit({})).records).toHaveLength(1);
    await server.close();

    server = await startEmbedded({ env: {}, fixture });
    await change(server, 'default@x.example');
    await server.clock.advance(89 * DAY);
    await new Promise((r) => setTimeout(r, 100));
    expect((await server.audit({})).records).toHaveLength(1);
    await server.clock.advance(2 * DAY);
    await vi.waitFor(async () => expect((await server!.audit({})).records).toHaveLength(0), {
      timeout: 5000,
    });
  });
});
