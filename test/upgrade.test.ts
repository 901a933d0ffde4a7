/**
 * A rolling upgrade on PostgreSQL: the last release's server (docs/releases.json, built from
 * the project's git history) and this checkout's serve one database at once, each reading and
 * changing what the other wrote, after this checkout has migrated it. And every migration
 * newer than that release follows the expand-then-contract rule (store/migrations/rules.ts).
 *
 * The release is built from `git archive` of its commit with esbuild (its TypeScript sources,
 * bundled as its own build bundles them) against this checkout's node_modules: about a
 * second, against ~30 s for its full build. It needs the commit in the clone's history.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminApiError,
  startEmbedded,
  type AdminClient,
  type EmbeddedServer,
} from '../src/index.js';
import { isContract, knownMigrations, planMigrations } from '../src/store/migrations/index.js';
import { contractingStatements } from '../src/store/migrations/rules.js';
import { adminClient, networkWithGroup } from './support/admin-call.js';
import { repoRoot } from './support/cli-run.js';
import { createTestDatabase } from './support/postgres.mjs';

interface Release {
  version: string;
  commit: string;
}

const release = (
  JSON.parse(readFileSync(join(repoRoot, 'docs', 'releases.json'), 'utf8')) as {
    releases: Release[];
  }
).releases.at(-1)!;
const KEY_ID = 'AKIAUPGRADETEST00001';
const SECRET = 'upgrade-test-secret-0123456789abcdefghij';
const credentials = {
  accessKeyId: KEY_ID,
  secretAccessKey: SECRET,
  accountId: '000000000000',
  region: 'us-east-1',
};

const dir = mkdtempSync(join(tmpdir(), 'wickr-release-'));
let releaseMigrations: string[] = [];
let bundle = '';
let database: { url: string; drop(): Promise<void> };
const running: ChildProcess[] = [];

/** The release's sources from git, bundled into one file run with this checkout's packages. */
async function buildRelease(): Promise<void> {
  try {
    execFileSync('git', ['-C', repoRoot, 'cat-file', '-e', `${release.commit}^{commit}`], {
      stdio: 'pipe',
    });
  } catch {
    throw new Error(
      `The release ${release.version} (commit ${release.commit}) is not in this clone's history: ` +
        'a shallow clone? Fetch it (git fetch --unshallow) to run the rolling-upgrade test.',
    );
  }
  const started = performance.now();
  const tar = join(dir, 'release.tar');
  execFileSync('git', [
    '-C',
    repoRoot,
    'archive',
    '--format=tar',
    `--output=${tar}`,
    release.commit,
    'src',
    'package.json',
  ]);
  mkdirSync(join(dir, 'src'));
  execFileSync('tar', ['-xf', tar, '-C', dir]);
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  bundle = join(dir, 'dist', 'wickr-admin.mjs');
  await build({
    entryPoints: [join(dir, 'src', 'cli', 'main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3', 'pg', 'pg-native'],
    banner: {
      js: "import { createRequire as __wickrRequire } from 'node:module'; const require = __wickrRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  const index = readFileSync(join(dir, 'src', 'store', 'migrations', 'index.ts'), 'utf8');
  releaseMigrations = [...index.matchAll(/^\s*'(\d{3}-[a-z0-9-]+)':/gm)].map((m) => m[1]!);
  process.stdout.write(
    `rolling upgrade: release ${release.version} (commit ${release.commit.slice(0, 12)}) built from git in ` +
      `${Math.round(performance.now() - started)} ms; its migrations: ${releaseMigrations.length}, ` +
      `this checkout's: ${knownMigrations().length}\n`,
  );
}

/** `wickr-admin serve` of the release, on the shared database; resolves to its endpoint. */
async function startRelease(): Promise<{ endpoint?: string; output: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [bundle, 'serve', '--port', '0', '--database', database.url],
    {
      env: {
        ...process.env,
        WICKR_ROOT_ACCESS_KEY_ID: KEY_ID,
        WICKR_ROOT_SECRET_ACCESS_KEY: SECRET,
        WICKR_LOG_LEVEL: 'warn',
        WICKR_KEY_CACHE_MS: '0',
      },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; i < 600; i++) {
    const endpoint = /Wickr Admin API at (http:\/\/[^;\s]+);/.exec(output)?.[1];
    if (endpoint) return { endpoint, output, child };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { output, child };
}

function clientOf(endpoint: string): AdminClient {
  return adminClient({ endpoint, credentials });
}

const users = (prefix: string, groupId: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    username: `${prefix}-${i}@example.com`,
    securityGroupIds: [groupId],
  }));

describe(`a rolling upgrade from release ${release.version} on PostgreSQL`, () => {
  let previous: AdminClient;
  let current: AdminClient;
  let embedded: EmbeddedServer;

  beforeAll(async () => {
    await buildRelease();
    database = await createTestDatabase();
    const started = await startRelease();
    expect(started.endpoint, started.output).toBeDefined();
    previous = clientOf(started.endpoint!);
  }, 120_000);

  afterAll(async () => {
    await embedded?.close();
    for (const child of running) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('both releases serve one database, each reading and changing what the other wrote', async () => {
    // The release alone, as before the upgrade.
    const { networkId, groupId } = await networkWithGroup(previous, 'rolling');
    const before = await previous.call('BatchCreateUser', {
      networkId,
      users: users('old', groupId, 5),
    });
    expect(before.successful).toHaveLength(5);

    // The new release starts on the same database (and migrates it) while the old one runs.
    embedded = await startEmbedded({
      env: {},
      databaseUrl: database.url,
      rootAccessKeyId: KEY_ID,
      rootSecretAccessKey: SECRET,
      keyCacheMs: 0,
    });
    current = clientOf(embedded.endpoint);

    expect(await current.call('GetNetwork', { networkId })).toEqual(
      await previous.call('GetNetwork', { networkId }),
    );
    const after = await current.call('BatchCreateUser', {
      networkId,
      users: users('new', groupId, 5),
    });
    expect(after.successful).toHaveLength(5);

    // Each lists and looks up the other's users, with the same answers.
    const listed = await previous.call('ListUsers', { networkId, maxResults: 100 });
    expect(listed.users).toHaveLength(10);
    expect(await current.call('ListUsers', { networkId, maxResults: 100 })).toEqual(listed);
    const unames = listed.users!.map((u) => u.uname!);
    for (const client of [previous, current]) {
      const found = await client.call('BatchLookupUserUname', { networkId, unames });
      expect(found.successful).toHaveLength(10);
    }

    // Changes across: the old one reinvites the new one's users; the new one suspends and
    // deletes the old one's.
    const newIds = after.successful!.map((u) => u.userId!);
    const oldIds = before.successful!.map((u) => u.userId!);
    const reinvited = await previous.call('BatchReinviteUser', { networkId, userIds: newIds });
    expect(reinvited.successful).toHaveLength(5);
    await current.call('BatchToggleUserSuspendStatus', {
      networkId,
      suspend: true,
      userIds: [oldIds[0]!],
    });
    await current.call('BatchDeleteUser', { networkId, userIds: [oldIds[1]!] });
    const seen = await previous.call('ListUsers', { networkId, maxResults: 100 });
    expect(seen.users).toHaveLength(9);
    expect(seen.users!.find((u) => u.userId === oldIds[0])?.suspended).toBe(true);
    await expect(
      previous.call('GetUser', { networkId, userId: oldIds[1]! }),
    ).rejects.toBeInstanceOf(AdminApiError);
    expect(await current.call('GetUsersCount', { networkId })).toEqual(
      await previous.call('GetUsersCount', { networkId }),
    );

    // Invitations queued by both, each once per user and reinvitation.
    const mail = await embedded.mail({ networkId });
    for (const u of [...before.successful!, ...after.successful!].slice(2))
      expect(mail.messages.some((m) => m.recipient === u.username)).toBe(true);
  }, 120_000);

  it('a restarted server of the release starts on the migrated database, as docs/upgrading.md says', async () => {
    const newer = knownMigrations().filter((n) => !releaseMigrations.includes(n));
    const again = await startRelease();
    if (newer.length === 0) {
      expect(again.endpoint, again.output).toBeDefined();
      expect(
        (await clientOf(again.endpoint!).call('ListNetworks', {})).networks!.length,
      ).toBeGreaterThan(0);
    } else {
      // 0.1.0 refuses any migration it does not know (later releases tolerate expand ones).
      expect(again.endpoint).toBeUndefined();
      expect(again.output).toMatch(/previously executed migration .* is missing/);
    }
    process.stdout.write(
      `rolling upgrade: migrations newer than ${release.version}: ${newer.join(', ') || 'none'}; ` +
        `a restarted ${release.version} server ${again.endpoint ? 'started' : 'refused to start'}\n`,
    );
  }, 60_000);

  it('every migration newer than the release expands only, or is named a contract migration', async () => {
    const newer = knownMigrations().filter((n) => !releaseMigrations.includes(n));
    expect(releaseMigrations.length).toBeGreaterThan(0);
    for (const name of newer) {
      expect(name).toMatch(/^\d{3}-[a-z0-9]+(-[a-z0-9]+)*$/);
      if (isContract(name)) continue;
      const [plan] = await planMigrations('postgres', [name]);
      expect(contractingStatements(plan!.statements), name).toEqual([]);
    }
  });
});
