/**
 * The README's quick start as written: `serve` prints the shell lines that make the README's
 * AWS CLI and boto3 examples work against it, whatever an earlier session left in the shell or
 * in ./data/credentials. Runs the built CLI, the AWS CLI and boto3 (python3) in child processes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bin, repoRoot } from './support/cli-run.js';
import { serve, shellLinesOf } from './support/served.js';

vi.setConfig({ testTimeout: 120_000 });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wickr-first-run-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The README's code block of `lang` that follows `heading` (a line ending with a colon). */
function readmeBlock(heading: string, lang: string): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README has no "${heading}"`);
  const block = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(readme.slice(at));
  if (!block) throw new Error(`README has no ${lang} block after "${heading}"`);
  return block[1]!;
}

/** Runs `script` in bash in `cwd` (stdout and stderr together); rejects when it fails. */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { cwd, env, timeout: 90_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stdout}${stderr}`)) : resolve(stdout + stderr),
    );
  });
}

/**
 * The README's AWS CLI and boto3 examples against `endpoint`, in a shell that ran `before`
 * (what an earlier session exported) and then the lines the server printed.
 */
async function readmeExamples(endpoint: string, cwd: string, before: string, printed: string[]) {
  const port = new URL(endpoint).port;
  const withPort = (code: string) => code.replaceAll('127.0.0.1:9425', `127.0.0.1:${port}`);
  const script = [
    'set -euo pipefail',
    before,
    ...printed,
    withPort(readmeBlock('With the AWS CLI:', 'sh')),
    `python3 - <<'PYTHON'\n${withPort(readmeBlock('With boto3 (in the same shell):', 'python'))}PYTHON`,
  ].join('\n');
  // The machine's own AWS configuration stays out of it.
  const env = { PATH: process.env['PATH'], HOME: cwd };
  return bash(script, cwd, env);
}

describe("the README's quick start", () => {
  it('an in-memory server prints lines that win over a profile of another database', async () => {
    const cwd = path.join(dir, 'memory');
    mkdirSync(path.join(cwd, 'data'), { recursive: true });
    // What the file database's first start left: its key, not the in-memory server's.
    writeFileSync(
      path.join(cwd, 'data', 'credentials'),
      '[wickr-local]\naws_access_key_id = AKIAOTHERDATABASE000\naws_secret_access_key = other\n',
    );
    const server = await serve(
      process.execPath,
      [bin, 'serve', '--port', '0', '--database', 'sqlite::memory:'],
      { cwd, env: { PATH: process.env['PATH'], HOME: cwd, WICKR_LOG_LEVEL: 'warn' } },
    );
    try {
      const printed = shellLinesOf(server.output());
      expect(printed[0]).toMatch(/^unset .*AWS_PROFILE.*AWS_SHARED_CREDENTIALS_FILE/);
      expect(printed[1]).toMatch(/^export AWS_ACCESS_KEY_ID=AKIA\w+ AWS_SECRET_ACCESS_KEY=\S+$/);
      const out = await readmeExamples(
        server.endpoint,
        cwd,
        'export AWS_SHARED_CREDENTIALS_FILE=./data/credentials AWS_PROFILE=wickr-local',
        printed,
      );
      expect(out).toMatch(/"networkName": "demo"/);
      expect(out).toMatch(/'networkName': 'demo'/);
    } finally {
      await server.stop();
    }
  });

  it('a file database prints lines naming the profile it wrote, over keys left in the shell', async () => {
    const cwd = path.join(dir, 'file');
    mkdirSync(cwd);
    const server = await serve(process.execPath, [bin, 'serve', '--port', '0'], {
      cwd,
      env: { PATH: process.env['PATH'], HOME: cwd, WICKR_LOG_LEVEL: 'warn' },
    });
    try {
      const printed = shellLinesOf(server.output());
      expect(printed[1]).toBe(
        `export AWS_SHARED_CREDENTIALS_FILE=${path.join(cwd, 'data', 'credentials')} AWS_PROFILE=wickr-local`,
      );
      const out = await readmeExamples(
        server.endpoint,
        cwd,
        'export AWS_ACCESS_KEY_ID=AKIAINMEMORYSERVER00 AWS_SECRET_ACCESS_KEY=gone',
        printed,
      );
      expect(out).toMatch(/'networkName': 'demo'/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // A later start names the same profile again (its secret is in the file, not printed).
    const again = await serve(process.execPath, [bin, 'serve', '--port', '0'], {
      cwd,
      env: { PATH: process.env['PATH'], HOME: cwd, WICKR_LOG_LEVEL: 'warn' },
    });
    try {
      expect(again.output()).toContain(
        `export AWS_SHARED_CREDENTIALS_FILE=${path.join(cwd, 'data', 'credentials')} AWS_PROFILE=wickr-local`,
      );
      expect(again.output()).not.toMatch(/aws_secret_access_key/);
    } finally {
      await again.stop();
    }
    // A database created anew with a key from the environment: the file names a key it does
    // not hold, and serve says so instead of pointing at it.
    for (const f of ['wickr.db', 'wickr.db-wal', 'wickr.db-shm'])
      rmSync(path.join(cwd, 'data', f), { force: true });
    const fresh = await serve(process.execPath, [bin, 'serve', '--port', '0'], {
      cwd,
      env: {
        PATH: process.env['PATH'],
        HOME: cwd,
        WICKR_LOG_LEVEL: 'warn',
        WICKR_ROOT_ACCESS_KEY_ID: 'AKIAFROMENVIRONMENT0',
        WICKR_ROOT_SECRET_ACCESS_KEY: 'from-the-environment',
      },
    });
    try {
      expect(fresh.output()).not.toMatch(/AWS_SHARED_CREDENTIALS_FILE/);
      // On stderr, which may arrive after the endpoint's line on stdout.
      await vi.waitFor(() =>
        expect(fresh.output()).toMatch(
          /credentials names key AKIA\w+ as profile "wickr-local", which this database does not hold/,
        ),
      );
    } finally {
      await fresh.stop();
    }
  });
});
