/**
 * The `wickr-admin users import|suspend|delete` commands, run as the built CLI (dist/, built by
 * `npm test` first) in a child process against an in-process server; plus unit tests of the
 * CSV reader and the signed API client.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmbedded, type EmbeddedServer } from '../src/index.js';
import {
  AdminApiError,
  AdminClient,
  readIni,
  resolveConnection,
  type ClientOptions,
} from '../src/index.js';
import { parseAuthorization, verifySignature, deriveSigningKey } from '../src/auth/sigv4.js';
import { adminClient } from './support/admin-call.js';
import { runCli } from './support/cli-run.js';
import { CsvError, parseCsv, parseCsvTable } from '../src/client/csv/reader.js';
import { EXPORT_COLUMNS } from '../src/client/csv/export.js';

// Each test runs the CLI (a Node start-up each) several times: slow on a loaded machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const cli = runCli;

describe('wickr-admin users (against a running server)', () => {
  let server: EmbeddedServer;
  let client: AdminClient;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let networkId: string;
  let defaultGroup: string;
  let extraGroup: string;

  beforeAll(async () => {
    server = await startEmbedded();
    client = adminClient(server);
    const net = await client.call('CreateNetwork', {
      networkName: 'cli-test',
      accessLevel: 'PREMIUM',
    });
    networkId = net.networkId!;
    const groups = (await client.call('ListSecurityGroups', { networkId })).securityGroups ?? [];
    defaultGroup = groups.find((g) => g.isDefault)!.id;
    const created = await client.call('CreateSecurityGroup', {
      networkId,
      name: 'Engineering',
      securityGroupSettings: {},
    });
    extraGroup = created.securityGroup.id;
    dir = mkdtempSync(path.join(tmpdir(), 'wickr-cli-'));
    // HOME and cwd point at an empty folder so no real credentials file is picked up.
    env = {
      PATH: process.env['PATH'],
      HOME: dir,
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
      WICKR_ENDPOINT: server.endpoint,
    };
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function allUsers() {
    const out = [];
    for await (const u of client.paginate('ListUsers', { networkId }, 'users')) out.push(u);
    return out;
  }

  const n = (i: number) => String(i).padStart(3, '0');

  /**
   * 121 records: quoted names (commas, a line break, escaped quotes), groups by ID, by name and
   * defaulted, and four bad rows (two found locally, two by the API). BOM and CRLF, as Excel.
   */
  function importCsv(): string {
    const lines = ['username,First Name,last_name,securityGroupIds,inviteCodeTtl,inviteCode'];
    for (let i = 1; i <= 116; i++) {
      const group = i % 3 === 0 ? extraGroup : i % 3 === 1 ? '' : `${defaultGroup}|Engineering`;
      const first =
        i === 7
          ? '"Smith, Jr."'
          : i === 8
            ? '"Line\r\nBreak"'
            : i === 9
              ? '"O""Brien"'
              : `First${n(i)}`;
      lines.push(
        `user${n(i)}@example.com,${first},"Last, ${n(i)}",${group},${i === 10 ? '30' : ''},`,
      );
    }
    lines.push('USER005@example.com,Dup,Licate,,,'); // row 118: duplicate (case-insensitive)
    lines.push(',No,Name,,,'); // row 119: no username
    lines.push('ghost@example.com,Ghost,Group,sg-does-not-exist,,'); // row 120: unknown group
    lines.push('short@example.com,Short,Code,,,ab'); // row 121: the API rejects the code (ValidationError)
    return `\uFEFF${lines.join('\r\n')}\r\n`;
  }

  it('imports a CSV in batches, reporting each bad row, and exits 2', async () => {
    const file = path.join(dir, 'users.csv');
    writeFileSync(file, importCsv());
    const run = await cli(['users', 'import', file, '--network', networkId], env, dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('created 116, failed 4');
    expect(lines[1]).toMatch(/^ {2}row 118 \(USER005@example.com\): duplicate of row 6/);
    expect(lines[2]).toBe('  row 119 (no username): missing username');
    expect(lines[3]).toMatch(
      /^ {2}row 120 \(ghost@example.com\): Security group sg-does-not-exist not found/,
    );
    expect(lines[4]).toMatch(/^ {2}row 121 \(short@example.com\): inviteCode: must be/);

    const users = await allUsers();
    expect(users).toHaveLength(116);
    const byName = new Map(users.map((u) => [u.username, u]));
    expect(byName.get('user007@example.com')?.firstName).toBe('Smith, Jr.');
    expect(byName.get('user008@example.com')?.firstName).toBe('Line\nBreak');
    expect(byName.get('user009@example.com')?.firstName).toBe('O"Brien');
    expect(byName.get('user001@example.com')?.lastName).toBe('Last, 001');
    expect(byName.get('user001@example.com')?.securityGroups).toEqual([defaultGroup]);
    expect(byName.get('user003@example.com')?.securityGroups).toEqual([extraGroup]);
    expect([...(byName.get('user002@example.com')?.securityGroups ?? [])].sort()).toEqual(
      [defaultGroup, extraGroup].sort(),
    );

    // Same file again: every batch carries the same X-Client-Token, so nothing is created twice
    // and the stored responses give the same summary.
    const again = await cli(
      ['users', 'import', file, '--network', networkId, '--no-progress'],
      env,
      dir,
    );
    expect(again.code).toBe(2);
    expect(again.stdout).toBe(run.stdout);
    expect(await allUsers()).toHaveLength(116);
  });

  it('prints a JSON summary, and --dry-run changes nothing', async () => {
    const file = path.join(dir, 'more.csv');
    writeFileSync(
      file,
      'Email;Given Name;Surname\nnew1@example.com;New;One\nnew2@example.com;New;Two\n',
    );
    const dry = await cli(
      ['users', 'import', file, '--network', networkId, '--dry-run', '--json'],
      env,
      dir,
    );
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      action: 'created',
      dryRun: true,
      succeeded: 2,
      failed: 0,
      successful: [
        { row: 2, username: 'new1@example.com' },
        { row: 3, username: 'new2@example.com' },
      ],
    });
    expect(await allUsers()).toHaveLength(116);

    const real = await cli(['users', 'import', file, '--network', networkId, '--json'], env, dir);
    expect(real.code).toBe(0);
    const out = JSON.parse(real.stdout) as {
      succeeded: number;
      successful: { row: number; userId: string }[];
    };
    expect(out.succeeded).toBe(2);
    expect(out.successful.map((s) => s.row)).toEqual([2, 3]);
    expect(await allUsers()).toHaveLength(118);
  });

  it('suspends and unsuspends by userId or username', async () => {
    const users = await allUsers();
    const id = (name: string) => users.find((u) => u.username === name)!.userId!;
    const names = Array.from({ length: 60 }, (_, k) => `user${n(k + 1)}@example.com`);
    const rows = ['userId,username'];
    names.forEach((name, k) => rows.push(k % 2 ? `,${name.toUpperCase()}` : `${id(name)},`));
    rows.push(',nobody@example.com'); // row 62: unknown username
    rows.push(`${id(names[0]!)},`); // row 63: same user as row 2, skipped
    const file = path.join(dir, 'suspend.csv');
    writeFileSync(file, rows.join('\n'));

    const run = await cli(['users', 'suspend', '--csv', file, '--network', networkId], env, dir);
    expect(run.code).toBe(2);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('suspended 60, failed 1, skipped 1');
    expect(lines[1]).toBe(
      `  row 62 (nobody@example.com): no user named nobody@example.com in network ${networkId}`,
    );
    expect(lines[2]).toMatch(/^ {2}row 63 \(user \d+\): skipped, same user as row 2$/);
    const after = await allUsers();
    const suspended = new Set(after.filter((u) => u.suspended).map((u) => u.username));
    expect([...suspended].sort()).toEqual([...names].sort());

    const back = path.join(dir, 'unsuspend.csv');
    writeFileSync(back, `username\n${names.slice(0, 5).join('\n')}\n`);
    const un = await cli(
      ['users', 'suspend', '--csv', back, '--network', networkId, '--unsuspend'],
      env,
      dir,
    );
    expect(un.code).toBe(0);
    expect(un.stdout).toBe('unsuspended 5, failed 0\n');
    const final = await allUsers();
    expect(final.filter((u) => u.suspended)).toHaveLength(55);
  });

  it('exports every user as CSV with the columns import and suspend read', async () => {
    const run = await cli(['users', 'export', '--network', networkId], env, dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const table = parseCsvTable(run.stdout);
    expect(table.header).toEqual([...EXPORT_COLUMNS]);
    const users = await allUsers();
    expect(table.rows).toHaveLength(users.length);
    const byId = new Map(table.rows.map((r) => [r.values.get('userid'), r.values]));
    for (const u of users) {
      const row = byId.get(u.userId)!;
      expect(row.get('username')).toBe(u.username);
      expect(row.get('firstname')).toBe(u.firstName ?? '');
      expect(row.get('securitygroupids')!.split(';').sort()).toEqual(
        [...(u.securityGroups ?? [])].sort(),
      );
      expect(row.get('suspended')).toBe(u.suspended ? 'true' : 'false');
    }
  });

  it('deletes only with --yes when stdin is not a terminal', async () => {
    const names = Array.from({ length: 70 }, (_, k) => `user${n(k + 1)}@example.com`);
    const file = path.join(dir, 'delete.csv');
    writeFileSync(file, `Email\n${names.join('\n')}\n`);

    const refused = await cli(['users', 'delete', '--csv', file, '--network', networkId], env, dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Refusing to delete 70 users without --yes/);
    expect(await allUsers()).toHaveLength(118);

    const run = await cli(
      ['users', 'delete', '--csv', file, '--network', networkId, '--yes'],
      env,
      dir,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('deleted 70, failed 0\n');
    const left = await allUsers();
    expect(left).toHaveLength(48);
    expect(left.some((u) => names.includes(u.username ?? ''))).toBe(false);

    // By ID, an ID that no longer exists is reported by the API, row by row.
    const ids = path.join(dir, 'ids.csv');
    writeFileSync(ids, `userId\n${left[0]!.userId}\n999999\nabc\n`);
    const again = await cli(
      ['users', 'delete', '--csv', ids, '--network', networkId, '-y'],
      env,
      dir,
    );
    expect(again.code).toBe(2);
    expect(again.stdout).toMatch(/^deleted 1, failed 2\n/);
    expect(again.stdout).toContain('row 3 (user 999999): User 999999 was not found');
    expect(again.stdout).toContain('row 4 (user abc): a userId is 1 to 10 digits');
  });

  it('fails with exit 1 on fatal errors, naming the modelled error', async () => {
    const file = path.join(dir, 'one.csv');
    writeFileSync(file, 'username\nsomeone@example.com\n');
    const missing = await cli(['users', 'import', file, '--network', '87654321'], env, dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ResourceNotFoundError: .*87654321/);

    const badKey = await cli(
      ['users', 'import', file, '--network', networkId],
      { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' },
      dir,
    );
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/UnauthorizedError: .*signature/);

    const noColumn = path.join(dir, 'nocol.csv');
    writeFileSync(noColumn, 'name\nx\n');
    const bad = await cli(['users', 'import', noColumn, '--network', networkId], env, dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/needs a username \(or email\) column/);

    const noCreds = await cli(
      ['users', 'import', file, '--network', networkId],
      { PATH: env['PATH'], HOME: dir, WICKR_ENDPOINT: server.endpoint },
      dir,
    );
    expect(noCreds.code).toBe(1);
    expect(noCreds.stderr).toMatch(/No credentials/);
  });

  it('reads credentials from ./data/credentials (profile wickr-local)', async () => {
    const cwd = mkdtempSync(path.join(dir, 'cwd-'));
    const data = path.join(cwd, 'data');
    (await import('node:fs')).mkdirSync(data);
    writeFileSync(
      path.join(data, 'credentials'),
      `[wickr-local]\naws_access_key_id = ${server.credentials.accessKeyId}\naws_secret_access_key = ${server.credentials.secretAccessKey}\n`,
    );
    const file = path.join(cwd, 'u.csv');
    writeFileSync(file, 'username\nprofile-user@example.com\n');
    const run = await cli(
      ['users', 'import', file, '--network', networkId, '--endpoint', server.endpoint],
      { PATH: env['PATH'], HOME: dir },
      cwd,
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('created 1, failed 0\n');
  });
});

describe('CSV reader', () => {
  it('reads quoted fields with commas, quotes and line breaks', () => {
    const recs = parseCsv('a,b,c\n"x, y","say ""hi""","two\nlines"\n');
    expect(recs.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
    ]);
    expect(recs.map((r) => [r.row, r.line])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('strips a BOM and accepts CRLF, LF and CR line endings', () => {
    const recs = parseCsv('\uFEFFh1,h2\r\n1,2\r3,4\n5,6');
    expect(recs.map((r) => r.fields)).toEqual([
      ['h1', 'h2'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
    expect(parseCsv('"a\r\nb",c\r\n')[0]!.fields).toEqual(['a\nb', 'c']);
  });

  it('keeps empty fields and skips blank lines', () => {
    const recs = parseCsv('a,,c\n\n,,\n"",x\n\n');
    expect(recs.map((r) => r.fields)).toEqual([
      ['a', '', 'c'],
      ['', '', ''],
      ['', 'x'],
    ]);
    expect(recs.map((r) => r.line)).toEqual([1, 3, 4]);
  });

  it('numbers lines across quoted line breaks', () => {
    const recs = parseCsv('h\n"1\n2\n3"\nnext\n');
    expect(recs[2]).toEqual({ row: 3, line: 5, fields: ['next'] });
  });

  it('rejects an unclosed quote and text after a closing quote', () => {
    expect(() => parseCsv('a\n"open,b\nc')).toThrow(CsvError);
    expect(() => parseCsv('a\n"open,b\nc')).toThrow(/line 2: a quoted field is never closed/);
    expect(() => parseCsv('"ab"c,d')).toThrow(/line 1: unexpected "c" after a closing quote/);
  });

  it('takes a quote inside an unquoted field literally', () => {
    expect(parseCsv('O"Brien,x')[0]!.fields).toEqual(['O"Brien', 'x']);
  });

  it('guesses ; or tab from the header line, or takes a given delimiter', () => {
    expect(parseCsv('a;b\n1,5;2\n')[1]!.fields).toEqual(['1,5', '2']);
    expect(parseCsv('a\tb\n1\t2\n')[1]!.fields).toEqual(['1', '2']);
    expect(parseCsv('"a;b",c\n')[0]!.fields).toEqual(['a;b', 'c']);
    expect(parseCsv('a|b\n1|2\n', { delimiter: '|' })[1]!.fields).toEqual(['1', '2']);
  });

  it('maps rows by normalised, trimmed header names', () => {
    const t = parseCsvTable('First Name , last_name,userId\n Ann , Lee \nBob\n');
    expect(t.header).toEqual(['First Name', 'last_name', 'userId']);
    expect(Object.fromEntries(t.rows[0]!.values)).toEqual({
      firstname: 'Ann',
      lastname: 'Lee',
      userid: '',
    });
    expect(t.rows[1]!.values.get('firstname')).toBe('Bob');
    expect(t.rows[1]!.row).toBe(3);
    expect(() => parseCsvTable('')).toThrow(/empty/);
  });
});

describe('Admin API client', () => {
  const connection: ClientOptions = {
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  };

  it('retries RateLimitError after Retry-After, within a bound', async () => {
    const waits: number[] = [];
    let calls = 0;
    const fakeFetch = (async () => {
      calls++;
      if (calls < 3) {
        return new Response(JSON.stringify({ message: 'slow down' }), {
          status: 429,
          headers: {
            'X-Amzn-ErrorType': 'RateLimitError',
            'Retry-After': calls === 1 ? '2' : '900',
          },
        });
      }
      return new Response(JSON.stringify({ ok: true }), { status: 200 });
    }) as typeof fetch;
    const c = new AdminClient({
      ...connection,
      fetch: fakeFetch,
      sleep: async (ms) => {
        waits.push(ms);
      },
      maxRetryWaitSeconds: 10,
    });
    await expect(c.call('ListNetworks', {})).resolves.toEqual({ ok: true });
    expect(waits).toEqual([2000, 10000]);

    calls = -100;
    const limited = new AdminClient({
      ...connection,
      fetch: fakeFetch,
      sleep: async () => {},
      maxRetries: 2,
    });
    const err = await limited.call('ListNetworks', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect(err).toMatchObject({
      errorType: 'RateLimitError',
      serverMessage: 'slow down',
      status: 429,
    });
  });

  it('surfaces modelled errors with their type, message and reasons', async () => {
    const fakeFetch = (async () =>
      new Response(
        JSON.stringify({
          message: 'bad',
          reasons: [{ field: 'users[0].username', reason: 'empty' }],
        }),
        {
          status: 422,
          headers: {
            'X-Amzn-ErrorType': 'ValidationError:http://internal.amazon.com/',
            'x-amzn-RequestId': 'r-1',
          },
        },
      )) as typeof fetch;
    const c = new AdminClient({ ...connection, fetch: fakeFetch });
    const err = await c
      .call('CreateNetwork', { networkName: 'x', accessLevel: 'STANDARD' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      errorType: 'ValidationError',
      message: 'ValidationError: bad',
      reasons: [{ field: 'users[0].username', reason: 'empty' }],
      requestId: 'r-1',
    });
  });

  it('binds any operation from the contract: labels, query, headers and body', () => {
    const c = new AdminClient({ ...connection, endpoint: 'http://127.0.0.1:9/prefix/' });
    expect(
      c.request('ListUsers', {
        networkId: '12345678',
        status: 1,
        username: 'a b+c',
        maxResults: 5,
      }),
    ).toEqual({
      method: 'GET',
      path: '/prefix/networks/12345678/users?maxResults=5&username=a%20b%2Bc&status=1',
      headers: {},
      body: '',
    });
    expect(
      c.request('BatchToggleUserSuspendStatus', {
        networkId: '12345678',
        userIds: ['7'],
        suspend: true,
        clientToken: 'tok-1',
      }),
    ).toEqual({
      method: 'PATCH',
      path: '/prefix/networks/12345678/users/toggleSuspend?suspend=true',
      headers: { 'x-client-token': 'tok-1', 'content-type': 'application/json' },
      body: '{"userIds":["7"]}',
    });
    expect(() => c.request('GetUser', { networkId: '12345678' } as never)).toThrow(
      /no value for the URI label \{userId\}/,
    );
  });

  it('signs with the code the server verifies with', () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const c = new AdminClient({ ...connection, now: () => now });
    const req = c.sign('GetUser', { networkId: '12345678', userId: '42', startTime: 1.5 });
    const signed = { method: req.method, url: req.path, headers: req.headers, body: req.body };
    const parsed = parseAuthorization(signed, now);
    expect(parsed).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1' });
    expect(() =>
      verifySignature(signed, parsed, deriveSigningKey('secret', parsed.date, 'us-east-1')),
    ).not.toThrow();
    expect(() =>
      verifySignature(
        { ...signed, url: `${signed.url}0` },
        parsed,
        deriveSigningKey('secret', parsed.date, 'us-east-1'),
      ),
    ).toThrow(/does not match/);
  });

  it('resolves endpoint, region and credentials from flags, env and credentials files', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'wickr-creds-'));
    try {
      const creds = path.join(tmp, 'credentials');
      writeFileSync(
        creds,
        '[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n# note\n[wickr-local]\naws_access_key_id = L\naws_secret_access_key = LS\n[other]\naws_access_key_id=O\naws_secret_access_key=OS\n',
      );
      const env = { AWS_SHARED_CREDENTIALS_FILE: creds, HOME: tmp };
      const local = resolveConnection({}, env, tmp);
      expect(local).toMatchObject({
        endpoint: 'http://127.0.0.1:9425',
        region: 'us-east-1',
        credentials: { accessKeyId: 'L', secretAccessKey: 'LS' },
      });
      expect(
        resolveConnection(
          { profile: 'other' },
          { ...env, AWS_ACCESS_KEY_ID: 'E', AWS_SECRET_ACCESS_KEY: 'ES' },
          tmp,
        ).credentials.accessKeyId,
      ).toBe('O');
      const fromEnv = resolveConnection(
        {},
        {
          ...env,
          AWS_ACCESS_KEY_ID: 'E',
          AWS_SECRET_ACCESS_KEY: 'ES',
          AWS_REGION: 'eu-west-2',
          WICKR_ENDPOINT: 'http://localhost:1/',
        },
        tmp,
      );
      expect(fromEnv).toMatchObject({
        endpoint: 'http://localhost:1',
        region: 'eu-west-2',
        credentials: { accessKeyId: 'E' },
      });
      const flags = resolveConnection(
        {
          accessKeyId: 'F',
          secretAccessKey: 'FS',
          region: 'ap-south-1',
          endpoint: 'https://x.test',
        },
        env,
        tmp,
      );
      expect(flags).toMatchObject({
        endpoint: 'https://x.test',
        region: 'ap-south-1',
        credentials: { accessKeyId: 'F' },
      });
      expect(() => resolveConnection({ profile: 'nope' }, env, tmp)).toThrow(
        /No credentials.*profile "nope"/,
      );
      expect(() => resolveConnection({ accessKeyId: 'F' }, env, tmp)).toThrow(/go together/);
      expect(readIni('[profile p]\nkey = v\n').get('p')?.get('key')).toBe('v');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
