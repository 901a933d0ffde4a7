/**
 * One server per SQLite file (docs/operations.md): a second server on a file another one holds
 * refuses to start, naming the file and the holder; the admin CLI still opens the file beside
 * the running server; and a server killed with SIGKILL leaves no lock behind to block a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../src/index.js';
import { bin, runCli } from './support/cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'wickr-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = () => ({ ...process.env, WICKR_LOG_LEVEL: 'warn', WICKR_SMTP_URL: '' });

/** `wickr-admin serve` on `file`; resolves with its endpoint once it listens. */
function serve(file: string): {
  child: ChildProcess;
  started: Promise<string>;
  exited: Promise<number | null>;
  output: () => string;
} {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--database', `sqlite:${file}`],
    {
      cwd: dir,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const started = new Promise<string>((resolve, reject) => {
    const take = (d: Buffer) => {
      output += d.toString();
      const m = /Wickr Admin API at (http:\/\/\S+);/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  started.catch(() => undefined);
  return { child, started, exited, output: () => output };
}

describe('one server per SQLite file', () => {
  it('a second server on the same file refuses to start, naming the file and the holder', async () => {
    const file = join(dir, 'embedded.db');
    const first = await startEmbedded({ env: {}, databaseUrl: `sqlite:${file}` });
    try {
      const second = startEmbedded({ env: {}, databaseUrl: `sqlite:${file}` });
      await expect(second).rejects.toThrow(file);
      await expect(second).rejects.toThrow(`server process ${process.pid}`);
      // The first one is unaffected.
      expect((await fetch(`${first.endpoint}/health`)).status).toBe(200);
    } finally {
      await first.close();
    }
    // Released on close: the next server starts.
    const again = await startEmbedded({ env: {}, databaseUrl: `sqlite:${file}` });
    await again.close();
  });

  it('`serve` refuses a held file and exits 1; the admin CLI works beside the server', async () => {
    const file = join(dir, 'served.db');
    const first = serve(file);
    try {
      await first.started;
      const second = serve(file);
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(
        `The SQLite database ${file} is in use by server process ${first.child.pid}`,
      );
      const db = ['--database', `sqlite:${file}`];
      const fixture = join(dir, 'beside.json');
      writeFileSync(
        fixture,
        JSON.stringify({ networks: [{ networkId: '24242424', networkName: 'beside' }] }),
      );
      for (const args of [
        ['keys', 'create', '--account', '000000000000'],
        ['keys', 'list'],
        ['seed', fixture],
        ['export', '--network', '24242424'],
        ['outbox', 'list'],
        ['audit', 'list'],
      ]) {
        const r = await runCli([...args, ...db], env(), dir);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });

  it('a server killed with SIGKILL leaves no lock: the next one starts', async () => {
    const file = join(dir, 'killed.db');
    const first = serve(file);
    await first.started;
    first.child.kill('SIGKILL');
    await first.exited;
    // The lock file stays; the lock in it went with the process.
    expect(existsSync(`${file}.lock`)).toBe(true);
    const next = serve(file);
    try {
      const endpoint = await next.started;
      expect((await fetch(`${endpoint}/health`)).status).toBe(200);
    } finally {
      next.child.kill('SIGTERM');
      await next.exited;
    }
  });
});
