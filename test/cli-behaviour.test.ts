/**
 * The wickr-admin command behaves alike everywhere (issue: missing databases, usage errors,
 * closed pipes, validated flags, key policies, connection failures, npm start). Runs the built
 * CLI (dist/, built by `npm test` first) in child processes; no server needed except for npm.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bin, repoRoot as root, runCli } from './support/cli-run.js';

// Each test runs the CLI (a Node start-up each) several times: slow on a loaded machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let dir: string;
const env = () => ({ PATH: process.env['PATH'], HOME: dir, WICKR_LOG_LEVEL: 'warn' });

const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  runCli(args, { ...env(), ...extraEnv }, dir);

/** `keys create` in account 000000000000 on the SQLite file `db`, creating it. */
const createKey = (db: string, ...extra: string[]) =>
  cli([
    'keys',
    'create',
    '--account',
    '000000000000',
    '--database',
    `sqlite:${db}`,
    '--create',
    ...extra,
  ]);

/** Flags a users command needs before it reads its file (no server is called). */
const USERS = ['--network', '12345678', '--access-key-id', 'A', '--secret-access-key', 'S'];

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wickr-cli-behaviour-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('databases', () => {
  it('refuses a SQLite file that does not exist unless --create', async () => {
    const db = path.join(dir, 'typo.db');
    const refused = await cli([
      'keys',
      'create',
      '--account',
      '000000000000',
      '--database',
      `sqlite:${db}`,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^wickr-admin: no such file: .*typo\.db .*--create/);
    expect(existsSync(db)).toBe(false);
    for (const args of [
      ['keys', 'list'],
      ['outbox', 'list'],
      ['export', '--network', '12345678'],
    ]) {
      const r = await cli([...args, '--database', `sqlite:${db}`]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/no such file: .*typo\.db/);
    }
    expect(existsSync(db)).toBe(false);

    const created = await createKey(db);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ accountId: '000000000000' });
    expect(existsSync(db)).toBe(true);
    const listed = await cli(['keys', 'list', '--database', `sqlite:${db}`]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
  });

  it('says a missing file the same way in every command', async () => {
    const missing = path.join(dir, 'nowhere.csv');
    const runs = await Promise.all([
      cli(['seed', missing, '--database', 'sqlite::memory:']),
      cli(['users', 'import', missing, ...USERS]),
      cli(['users', 'delete', '--csv', missing, ...USERS]),
      cli(['keys', 'list', '--database', `sqlite:${missing}`]),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`^wickr-admin: no such file: ${missing.replace(/[.]/g, '\\.')}`),
      );
    }
  });

  it('names an unreachable database server by host and port, in every command', async () => {
    const port = await closedPort();
    const url = `postgres://wickr:secret@127.0.0.1:${port}/wickr`;
    for (const args of [
      ['keys', 'list'],
      ['outbox', 'list'],
      ['seed', path.join(dir, 'x.yaml')],
    ]) {
      if (args[0] === 'seed') writeFileSync(args[1]!, 'networks: []\n');
      const r = await cli([...args, '--database', url]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toBe(
        `wickr-admin: cannot connect to the database at 127.0.0.1:${port} (ECONNREFUSED)\n`,
      );
    }
  });
});

describe('usage', () => {
  it('prints a usage error as one line and a hint, not the whole help', async () => {
    for (const args of [
      ['outbox', 'list', '--limit', 'abc'],
      ['outbox', 'list', '--bogus'],
      ['keys', 'create'],
      ['users', 'import', 'x.csv'],
    ]) {
      const r = await cli([...args, '--database', 'sqlite::memory:']);
      expect(r.code, args.join(' ')).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, args.join(' ')).toHaveLength(2);
      expect(lines[0]).toMatch(/^wickr-admin: /);
      expect(lines[1]).toBe("(run 'wickr-admin <command> --help' for usage)");
      expect(r.stderr).not.toMatch(/Usage:|Options:/);
    }
  });

  it('validates numeric flags', async () => {
    for (const limit of ['0', '-1', '1.5', 'ten', '100001']) {
      const r = await cli(['outbox', 'list', '--limit', limit, '--database', 'sqlite::memory:']);
      expect(r.code, limit).toBe(1);
      expect(r.stderr, limit).toMatch(/--limit.*must be a whole number from 1 to 100000/);
    }
    const ok = await cli(['outbox', 'list', '--limit', '5', '--database', 'sqlite::memory:']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([]);
    const port = await cli(['serve', '--port', '70000']);
    expect(port.code).toBe(1);
    expect(port.stderr).toMatch(/not a port number/);
  });

  it('takes the CSV of every bulk command the same way', async () => {
    for (const command of ['import', 'suspend', 'delete']) {
      const none = await cli(['users', command, '--network', '12345678']);
      expect(none.code, command).toBe(1);
      expect(none.stderr, command).toMatch(/missing the CSV file/);
      const two = await cli(['users', command, 'a.csv', '--csv', 'b.csv', '--network', '12345678']);
      expect(two.code, command).toBe(1);
      expect(two.stderr, command).toMatch(/two CSV files given/);
      // Both spellings reach the file (which is missing here).
      for (const form of [['x.csv'], ['--csv', 'x.csv']]) {
        const r = await cli(['users', command, ...form, ...USERS]);
        expect(r.stderr, `${command} ${form.join(' ')}`).toMatch(/no such file: x\.csv/);
      }
    }
  });

  it('ends quietly when the reader of its output goes away (| head)', async () => {
    const db = path.join(dir, 'many.db');
    await createKey(db);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'keys', 'list', '--database', `sqlite:${db}`], {
        env: env(),
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // The reader is gone before anything is written, as `head` is after its lines.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.code).toBe(0);
  });
});

describe('keys create', () => {
  it('refuses actions that allow no operation, and warns about unknown networks', async () => {
    const db = path.join(dir, 'keys.db');
    for (const actions of ['wickr:ListUser', 'wickr:Lst*', 'wickr:GetUser,wickr:Nope']) {
      const r = await createKey(db, '--actions', actions);
      expect(r.code, actions).toBe(1);
      expect(r.stderr, actions).toMatch(/unknown action "wickr:(ListUser|Lst\*|Nope)"/);
    }
    expect(existsSync(db)).toBe(false);
    const ok = await createKey(
      db,
      '--actions',
      'wickr:get*,wickr:ListUsers',
      '--networks',
      '12345678',
    );
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe(
      'wickr-admin: warning: network 12345678 does not exist (yet) in this database\n',
    );
    expect(JSON.parse(ok.stdout)).toMatchObject({ accountId: '000000000000' });
  });
});

describe('serve and npm start', () => {
  it('warns on 0.0.0.0 without WICKR_PUBLIC_URL, and names an unreachable database', async () => {
    // The database cannot be reached, so the server stops before it would listen.
    const port = await closedPort();
    const r = await cli([
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--database',
      `postgres://u:p@127.0.0.1:${port}/db`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /listening on 0\.0\.0\.0 without WICKR_PUBLIC_URL: links in invitation e-mails/,
    );
    expect(r.stderr).toMatch(`cannot connect to the database at 127.0.0.1:${port}`);
    const withUrl = await cli(
      ['serve', '--host', '0.0.0.0', '--database', `postgres://u:p@127.0.0.1:${port}/db`],
      { WICKR_PUBLIC_URL: 'https://wickr.example.com' },
    );
    expect(withUrl.stderr).not.toMatch(/WICKR_PUBLIC_URL/);
  });

  it('builds before npm start only when a build input changed', async () => {
    const { needsBuild, STAMP } = await import('../scripts/build-if-changed.mjs');
    const tree = mkdtempSync(path.join(dir, 'tree-'));
    mkdirSync(path.join(tree, 'src', 'cli'), { recursive: true });
    mkdirSync(path.join(tree, 'dist', 'cli'), { recursive: true });
    const at = (file: string, seconds: number) => {
      const f = path.join(tree, file);
      if (!existsSync(f)) writeFileSync(f, '');
      utimesSync(f, seconds, seconds);
    };
    at('src/cli/main.ts', 1000);
    at('src/cli', 1000);
    at('src', 1000);
    at('package.json', 1000);
    expect(needsBuild(tree)).toBe(true); // never built
    mkdirSync(path.join(tree, 'dist', 'console'));
    at('dist/cli/main.js', 2000);
    at('dist/index.js', 2000);
    at('dist/console/index.html', 2000);
    at(STAMP, 2000);
    expect(needsBuild(tree)).toBe(true); // no bundle
    at('dist/wickr-admin.mjs', 2000);
    expect(needsBuild(tree)).toBe(false);
    mkdirSync(path.join(tree, 'web'));
    at('web/app.tsx', 2500); // the console's source
    expect(needsBuild(tree)).toBe(true);
    at('web/app.tsx', 1000);
    at('web', 1000);
    expect(needsBuild(tree)).toBe(false);
    at('src/cli/main.ts', 3000);
    expect(needsBuild(tree)).toBe(true);
    at(STAMP, 4000);
    expect(needsBuild(tree)).toBe(false);
    at('src/cli', 5000); // a file deleted or added
    expect(needsBuild(tree)).toBe(true);
  });

  it('npm start prints the endpoint with a region, and SIGTERM to npm stops the server', async () => {
    // --ignore-scripts: no prestart build (the suite built dist/ already).
    const npm = spawn(
      'npm',
      ['start', '--ignore-scripts', '--', '--port', '0', '--database', 'sqlite::memory:'],
      {
        cwd: root,
        env: { ...env(), WICKR_SMTP_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<void>((resolve) => npm.on('exit', () => resolve()));
    let output = '';
    const endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up line:\n${output}`)), 60_000);
      npm.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        const m =
          /Wickr Admin API at (http:\/\/127\.0\.0\.1:\d+); e\.g\. aws wickr list-networks --endpoint-url \S+ --region us-east-1/.exec(
            output,
          );
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
    });
    expect((await fetch(`${endpoint}/health`)).status).toBe(200);
    npm.kill('SIGTERM');
    await exited;
    // The server went with npm: nothing answers on its port any more.
    let answered = true;
    for (let i = 0; i < 50 && answered; i++) {
      answered = await fetch(`${endpoint}/health`).then(
        () => true,
        () => false,
      );
      if (answered) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answered).toBe(false);
  });
});
