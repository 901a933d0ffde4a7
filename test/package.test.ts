/**
 * The package as its users get it. `npm pack` of a clean copy of the checkout (what a clone
 * holds: its prepare script builds and stamps dist/); the tarball installed with `npm install -g`
 * into a temporary prefix and run with `npx --package <tarball>` (npm's cache and the registry
 * serve its dependencies, better-sqlite3 builds its native module; nothing outside the temporary
 * directory changes); `wickr-admin serve` from an empty directory, called with boto3 and with the
 * package's own client; both entry points' declarations type-checked in a consumer; and every
 * recipe of examples/ run against the installed package.
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { repoRoot } from './support/cli-run.js';
import { serve, shellLinesOf } from './support/served.js';

// Installing builds better-sqlite3 from source where no prebuilt binary can be downloaded:
// minutes on a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 1_200_000 });

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  scripts?: Record<string, string>;
};

interface Run {
  code: number;
  out: string;
}

/** Runs a command to its end; stdout and stderr together. */
function run(command: string, args: string[], cwd: string, env = cleanEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });
}

async function ok(command: string, args: string[], cwd: string, env = cleanEnv()) {
  const r = await run(command, args, cwd, env);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.code}):\n${r.out}`);
  return r.out;
}

/**
 * This process's environment without what `npm test` put there about this checkout (npm_*
 * variables: its prefix, its package), keeping the user's npm configuration.
 */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = ['nodedir', 'cache', 'registry', 'userconfig', 'globalconfig'];
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('npm_') && !keep.some((c) => k.toLowerCase() === `npm_config_${c}`)) continue;
    if (k.startsWith('WICKR_') || k.startsWith('AWS_') || k.startsWith('VITEST')) continue;
    if (k === 'FORCE_COLOR') continue;
    env[k] = v;
  }
  // Plain output, for the runners' summary lines.
  return { ...env, NO_COLOR: '1', ...extra };
}

let tmp: string;
let tarball: string;
let checkout: string;
let prefix: string;
let installed: string;
let installLog: string;
let npxEnv: NodeJS.ProcessEnv;
/** A consumer project whose wickr-admin-server is the installed one. */
let project: string;

/** The files a clone of this checkout holds (tracked, and new ones git does not ignore). */
function copyCheckout(to: string) {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  for (const file of r.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(path.join(repoRoot, file))) continue; // deleted, not yet committed
    mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    copyFileSync(path.join(repoRoot, file), path.join(to, file));
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(to, 'node_modules'));
}

/** Links `names` from the checkout's node_modules into `dir`'s (the test runners). */
function linkFromCheckout(dir: string, names: string[]) {
  for (const name of names) {
    const target = path.join(dir, 'node_modules', name);
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(path.join(repoRoot, 'node_modules', name), target);
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'wickr-package-'));
  checkout = path.join(tmp, 'checkout');
  copyCheckout(checkout);
  await ok('npm', ['pack', '--pack-destination', tmp], checkout);
  tarball = path.join(tmp, `wickr-admin-server-${pkg.version}.tgz`);

  // The user's npm cache serves the downloads; npx installs under a cache folder of its own.
  const cache = (await ok('npm', ['config', 'get', 'cache'], tmp)).trim();
  const npxCache = path.join(tmp, 'npx-cache');
  mkdirSync(npxCache);
  if (existsSync(path.join(cache, '_cacache')))
    symlinkSync(path.join(cache, '_cacache'), path.join(npxCache, '_cacache'));
  npxEnv = cleanEnv({ npm_config_cache: npxCache });

  prefix = path.join(tmp, 'global');
  const flags = ['--allow-scripts=better-sqlite3', '--no-audit', '--no-fund'];
  // Both installs at once: each builds better-sqlite3.
  const [global] = await Promise.all([
    ok('npm', ['install', '-g', '--prefix', prefix, ...flags, tarball], tmp),
    ok('npx', ['--yes', ...flags, '--package', tarball, 'wickr-admin', '--version'], tmp, npxEnv),
  ]);
  installLog = global;
  installed = path.join(prefix, 'lib', 'node_modules', 'wickr-admin-server');

  project = path.join(tmp, 'project');
  mkdirSync(path.join(project, 'node_modules'), { recursive: true });
  symlinkSync(installed, path.join(project, 'node_modules', 'wickr-admin-server'));
  linkFromCheckout(project, ['@types/node']);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the built server, CLI bundle, console and declarations, and no sources', () => {
    const files = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    for (const f of [
      'package/package.json',
      'package/LICENSE',
      'package/README.md',
      'package/bin/wickr-admin',
      'package/dist/wickr-admin.mjs',
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/client/index.d.ts',
      'package/dist/console/index.html',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /^package\/(src|test|web|scripts|bench)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.build-stamp'))).toEqual([]);
  });

  it('was built by npm pack with a stamp, so npm start (and a start after npm ci) builds nothing', async () => {
    const { needsBuild } = (await import('../scripts/build-if-changed.mjs')) as {
      needsBuild(root: string): boolean;
    };
    expect(needsBuild(checkout)).toBe(false);
    const prestart = spawnSync(process.execPath, ['scripts/build-if-changed.mjs'], {
      cwd: checkout,
      encoding: 'utf8',
    });
    expect(prestart.status).toBe(0);
    expect(prestart.stderr).toBe('');
  });

  it('installs with no build, no engine warning and better-sqlite3 built', () => {
    expect(installLog).not.toMatch(/EBADENGINE/);
    // No lifecycle script of the package ran (npm prints a banner for each).
    expect(installLog).not.toMatch(/> wickr-admin-server@[\d.]+ (prepare|build)|vite v\d/);
    // better-sqlite3's install script is approved with --allow-scripts. npm 11 still lists the
    // package's own prepare for a tarball file, which it never runs for one (docs/testing.md).
    const unreviewed = installLog
      .split('\n')
      .filter((l) => /^npm warn install-scripts {3}\S/.test(l))
      .map((l) => l.trim());
    expect(unreviewed).toEqual([
      `npm warn install-scripts   wickr-admin-server@${pkg.version} (prepare: npm run build)`,
    ]);
    const modules = readdirSync(path.join(installed, 'node_modules'));
    for (const devOnly of ['typescript', 'vite', 'esbuild', 'vitest']) {
      expect(modules).not.toContain(devOnly);
    }
    expect(
      existsSync(
        path.join(installed, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
      ),
    ).toBe(true);
  });

  it('wickr-admin --version prints the package version', async () => {
    expect((await ok(path.join(prefix, 'bin', 'wickr-admin'), ['--version'], tmp)).trim()).toBe(
      pkg.version,
    );
  });
});

describe('wickr-admin serve from an empty directory', () => {
  it('installed with npm install -g: boto3 and the package client call it', async () => {
    const empty = mkdtempSync(path.join(tmp, 'empty-'));
    const server = await serve(path.join(prefix, 'bin', 'wickr-admin'), ['serve', '--port', '0'], {
      cwd: empty,
      env: cleanEnv({ HOME: empty, WICKR_LOG_LEVEL: 'warn' }),
    });
    try {
      // The command runs Node with the flags on the bin's #! line (env -S), as npm start does.
      const flags = /^#!\S*env -S node (.*)$/
        .exec(
          readFileSync(path.join(repoRoot, 'bin', 'wickr-admin'), 'utf8').split('\n', 1)[0]!,
        )![1]!
        .split(' ');
      expect(flags).toContain('--max-semi-space-size=16');
      const argv = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
      for (const flag of flags) {
        expect(argv).toContain(flag);
        expect(pkg.scripts?.start).toContain(flag);
      }
      // The profile the server wrote in ./data/credentials, as its printed lines name it.
      const exported = shellLinesOf(server.output())[1]!;
      const env = cleanEnv({ HOME: empty, ENDPOINT: server.endpoint });
      for (const [, k, v] of exported.matchAll(/(\w+)=(\S+)/g)) env[k!] = v;
      expect(env['AWS_SHARED_CREDENTIALS_FILE']).toBe(path.join(empty, 'data', 'credentials'));

      const boto3 = await ok(
        'python3',
        [
          '-c',
          [
            'import boto3, os',
            'w = boto3.client("wickr", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")',
            'w.create_network(networkName="from-boto3", accessLevel="STANDARD")',
            'print([n["networkName"] for n in w.list_networks()["networks"]])',
          ].join('\n'),
        ],
        empty,
        env,
      );
      expect(boto3.trim()).toBe("['from-boto3']");

      // The package's own client, resolved by package name from a consumer project.
      const client = await ok(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          [
            "import { AdminClient, resolveConnection } from 'wickr-admin-server/client';",
            'const wickr = new AdminClient(resolveConnection({ endpoint: process.env.ENDPOINT }));',
            "await wickr.call('CreateNetwork', { networkName: 'from-client', accessLevel: 'STANDARD' });",
            "const { networks } = await wickr.call('ListNetworks', {});",
            'console.log(JSON.stringify(networks.map((n) => n.networkName).sort()));',
          ].join('\n'),
        ],
        project,
        env,
      );
      expect(client.trim()).toBe('["from-boto3","from-client"]');
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // The database, its root key, and the lock file that keeps a second server off it.
    expect(readdirSync(path.join(empty, 'data')).sort()).toEqual([
      'credentials',
      'wickr.db',
      'wickr.db.lock',
    ]);
  });

  it('run with npx --package <tarball>', async () => {
    const empty = mkdtempSync(path.join(tmp, 'npx-'));
    const server = await serve(
      'npx',
      [
        '--yes',
        '--package',
        tarball,
        'wickr-admin',
        'serve',
        '--port',
        '0',
        '--database',
        'sqlite::memory:',
      ],
      { cwd: empty, env: { ...npxEnv, HOME: empty, WICKR_LOG_LEVEL: 'warn' }, timeoutMs: 240_000 },
    );
    try {
      const env = cleanEnv({ HOME: empty, ENDPOINT: server.endpoint });
      for (const [, k, v] of shellLinesOf(server.output())[1]!.matchAll(/(\w+)=(\S+)/g))
        env[k!] = v;
      const boto3 = await ok(
        'python3',
        [
          '-c',
          'import boto3, os\n' +
            'w = boto3.client("wickr", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1")\n' +
            'print(w.list_networks()["networks"])',
        ],
        empty,
        env,
      );
      expect(boto3.trim()).toBe('[]');
    } finally {
      await server.stop();
    }
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe('the declarations', () => {
  it('type-check a consumer of wickr-admin-server and wickr-admin-server/client', async () => {
    const dir = path.join(project, 'types');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'consumer.ts'),
      [
        "import { startEmbedded, type EmbeddedServer, type MailMessage } from 'wickr-admin-server';",
        "import { AdminClient, AdminApiError, type Output } from 'wickr-admin-server/client';",
        '',
        'const server: EmbeddedServer = await startEmbedded({ env: {} });',
        'const wickr = new AdminClient({',
        '  endpoint: server.endpoint,',
        '  region: server.credentials.region,',
        '  credentials: server.credentials,',
        '});',
        "const listed: Output<'ListNetworks'> = await wickr.call('ListNetworks', {});",
        'const ids: (string | undefined)[] = (listed.networks ?? []).map((n) => n.networkId);',
        'const { messages }: { messages: MailMessage[] } = await server.mail();',
        'const { rules } = await server.faults.list();',
        'const { records } = await server.audit();',
        "const offset: number = (await server.clock.advance('1h')).offsetMs;",
        'export const seen = [ids, messages, rules, records, offset, AdminApiError];',
        '// @ts-expect-error: an operation the API does not have',
        "await wickr.call('NoSuchOperation', {});",
        '// @ts-expect-error: CreateNetwork requires networkName',
        "await wickr.call('CreateNetwork', { accessLevel: 'STANDARD' });",
        'await server.close();',
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: ['node'],
          // The package's own declarations are checked; third-party ones are their authors'.
          skipLibCheck: false,
        },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
    const tsc = await run(
      process.execPath,
      [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', dir],
      dir,
    );
    expect(tsc.out).toBe('');
    expect(tsc.code).toBe(0);
  });
});

describe('the recipes of examples/, against the installed package', () => {
  /** The recipe's files in a project whose wickr-admin-server is the installed package. */
  function recipe(name: string, runners: string[]): string {
    const dir = path.join(tmp, 'recipes', name);
    mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    for (const f of readdirSync(path.join(repoRoot, 'examples', name)))
      copyFileSync(path.join(repoRoot, 'examples', name, f), path.join(dir, f));
    symlinkSync(installed, path.join(dir, 'node_modules', 'wickr-admin-server'));
    linkFromCheckout(dir, runners);
    return dir;
  }

  it('Vitest: globalSetup with provide/inject', async () => {
    const dir = recipe('vitest', ['vitest']);
    const out = await ok(process.execPath, ['node_modules/vitest/vitest.mjs', 'run'], dir);
    expect(out).toMatch(/Tests\s+2 passed \(2\)/);
  });

  it('Jest: globalSetup handing the server over in environment variables', async () => {
    const dir = recipe('jest', ['jest']);
    const out = await ok(
      process.execPath,
      ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'],
      dir,
    );
    expect(out).toMatch(/Tests:\s+2 passed, 2 total/);
  });

  it('node:test: a server per file in before/after', async () => {
    const dir = recipe('node-test', []);
    const out = await ok(process.execPath, ['--test'], dir);
    expect(out).toMatch(/# pass 2|ℹ pass 2/);
    expect(out).toMatch(/# fail 0|ℹ fail 0/);
  });

  it('pytest: a fixture running the installed wickr-admin serve, yielding a boto3 client', async () => {
    const dir = recipe('pytest', []);
    const env = cleanEnv({ PATH: `${path.join(prefix, 'bin')}:${process.env['PATH']}`, HOME: dir });
    const out = await ok('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], dir, env);
    expect(out).toMatch(/3 passed/);
  });
});
