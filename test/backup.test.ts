/**
 * Backups taken while a server writes, restored, hold every change acknowledged before the
 * backup began, with its queued invitation, and no half of any batch: on SQLite with
 * `wickr-admin backup` / `restore` (the built CLI, beside a real server), on PostgreSQL with the
 * pg_dump / pg_restore commands docs/operations.md gives. Restore refuses a database a server
 * holds, and files that are not backups.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedUsers, startEmbedded, type EmbeddedServer } from '../src/index.js';
import { adminClient, networkWithGroup } from './support/admin-call.js';
import { runCli } from './support/cli-run.js';
import { createTestDatabase, findPostgresBin } from './support/postgres.mjs';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wickr-backup-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function embedded(databaseUrl: string): Promise<EmbeddedServer> {
  const server = await startEmbedded({ env: {}, databaseUrl });
  cleanups.push(() => server.close());
  return server;
}

interface Batch {
  usernames: string[];
  acknowledgedAt: number;
}

/**
 * Concurrent BatchCreateUser calls (10 users each) until stopped; each acknowledged batch is
 * kept with the time its answer arrived.
 */
function writeLoad(server: EmbeddedServer, networkId: string, groupId: string) {
  const client = adminClient(server);
  const batches: Batch[] = [];
  let stopped = false;
  let next = 0;
  const writer = async () => {
    while (!stopped) {
      const usernames = Array.from({ length: 10 }, () => `load-${next++}@example.com`);
      await client.call('BatchCreateUser', {
        networkId,
        users: usernames.map((username) => ({ username, securityGroupIds: [groupId] })),
      });
      batches.push({ usernames, acknowledgedAt: Date.now() });
    }
  };
  const writers = Promise.all([1, 2, 3, 4].map(writer));
  return {
    batches,
    async started() {
      while (batches.length < 5) await new Promise((r) => setTimeout(r, 10));
    },
    async stop() {
      stopped = true;
      await writers;
    },
  };
}

/** A network of `users` seeded users beside the one under load, so the copy has some size. */
async function prepare(server: EmbeddedServer, databaseUrl: string, users: number) {
  const client = adminClient(server);
  const big = await networkWithGroup(client, 'backup-big');
  await seedUsers(databaseUrl, big.networkId, users, (i) => ({
    username: `seeded-${i}@example.com`,
    status: 'pending',
  }));
  return networkWithGroup(client, 'backup-load');
}

/**
 * On the restored server: every batch acknowledged before `backupStarted` is there with a
 * queued invitation per user; any other batch is there whole or not at all; nothing else is.
 */
async function checkRestored(
  server: EmbeddedServer,
  networkId: string,
  batches: Batch[],
  backupStarted: number,
) {
  const client = adminClient(server);
  const present = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await client.call('ListUsers', {
      networkId,
      maxResults: 100,
      ...(nextToken ? { nextToken } : {}),
    });
    for (const u of page.users ?? []) present.add(u.username!);
    nextToken = page.nextToken;
  } while (nextToken);
  const invited = new Set(
    // Every message: the listing's default is the newest 1,000, fewer than a fast load makes.
    (await server.mail({ networkId, limit: 1_000_000 })).messages
      .filter((m) => m.status === 'pending')
      .map((m) => m.recipient),
  );
  const before = batches.filter((b) => b.acknowledgedAt < backupStarted);
  expect(before.length).toBeGreaterThan(0);
  for (const b of before)
    for (const u of b.usernames) {
      expect(present.has(u), `${u}, acknowledged before the backup`).toBe(true);
      expect(invited.has(u), `the invitation to ${u}`).toBe(true);
    }
  for (const b of batches) {
    const found = b.usernames.filter((u) => present.has(u)).length;
    expect([0, b.usernames.length], 'a batch restored in part').toContain(found);
  }
  const acknowledged = new Set(batches.flatMap((b) => b.usernames));
  for (const u of present) expect(acknowledged.has(u), `${u} was never acknowledged`).toBe(true);
  return { before: before.length, present: present.size };
}

describe('SQLite: wickr-admin backup and restore', () => {
  it('a backup taken under write load restores every acknowledged user and queued invitation', async () => {
    const dir = tempDir();
    const url = `sqlite:${join(dir, 'live.db')}`;
    const backup = join(dir, 'backup.db');
    const server = await embedded(url);
    const { networkId, groupId } = await prepare(server, url, 20_000);
    const load = writeLoad(server, networkId, groupId);
    await load.started();
    const backupStarted = Date.now();
    const run = await runCli(['backup', '--database', url, '--to', backup], process.env, dir);
    const backupEnded = Date.now();
    const during = load.batches.filter(
      (b) => b.acknowledgedAt >= backupStarted && b.acknowledgedAt <= backupEnded,
    ).length;
    await load.stop();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Backed up .*live\.db to .*backup\.db \([\d.]+ MB: 2 networks, /);
    // The server went on writing while the command ran.
    expect(during).toBeGreaterThan(0);

    // Not over the database the server holds; the server carries on.
    const refused = await runCli(
      ['restore', '--database', url, '--from', backup],
      process.env,
      dir,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to restore over .*live\.db: another process has/);
    await adminClient(server).call('ListUsers', { networkId, maxResults: 1 });
    await server.close();

    const restore = await runCli(
      ['restore', '--database', url, '--from', backup],
      process.env,
      dir,
    );
    expect(restore.code, restore.stderr).toBe(0);
    const restored = await embedded(url);
    const seen = await checkRestored(restored, networkId, load.batches, backupStarted);
    expect(seen.present).toBeGreaterThanOrEqual(seen.before * 10);
  }, 120_000);

  it('refuses what is not a backup, an existing backup file, and PostgreSQL', async () => {
    const dir = tempDir();
    const url = `sqlite:${join(dir, 'w.db')}`;
    const server = await embedded(url);
    await server.close();
    const run = (args: string[]) => runCli(args, process.env, dir);

    writeFileSync(join(dir, 'notes.txt'), 'not a database\n');
    const junk = await run(['restore', '--database', url, '--from', join(dir, 'notes.txt')]);
    expect(junk.code).toBe(1);
    expect(junk.stderr).toMatch(/notes\.txt is not a SQLite database/);

    const other = join(dir, 'other.db');
    execFileSync(process.execPath, [
      '-e',
      `new (require('better-sqlite3'))(${JSON.stringify(other)}).exec('CREATE TABLE t (x)')`,
    ]);
    const foreign = await run(['restore', '--database', url, '--from', other]);
    expect(foreign.stderr).toMatch(/is a SQLite database, but not a wickr-admin-server one/);

    // A backup of a newer version that contracted the schema: this version cannot serve it.
    const newer = join(dir, 'newer.db');
    expect((await run(['backup', '--database', url, '--to', newer])).code).toBe(0);
    execFileSync(process.execPath, [
      '-e',
      `new (require('better-sqlite3'))(${JSON.stringify(newer)}).exec("INSERT INTO kysely_migration VALUES ('950-contract-drop-cell', '2030-01-01')")`,
    ]);
    const contracted = await run(['restore', '--database', url, '--from', newer]);
    expect(contracted.code).toBe(1);
    expect(contracted.stderr).toMatch(/made by a newer version .*950-contract-drop-cell/);

    const first = await run(['backup', '--database', url, '--to', join(dir, 'b.db')]);
    expect(first.code, first.stderr).toBe(0);
    // One self-contained file: no write-ahead log beside it, no partial copy left.
    expect(readFileSync(join(dir, 'b.db')).subarray(0, 15).toString()).toBe('SQLite format 3');
    expect(existsSync(join(dir, 'b.db-wal'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    const again = await run(['backup', '--database', url, '--to', join(dir, 'b.db')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/b\.db exists already/);

    const pg = await run(['backup', '--database', 'postgres://u@127.0.0.1:1/db', '--to', 'x']);
    expect(pg.stderr).toMatch(/for PostgreSQL use pg_dump and pg_restore/);
  }, 60_000);
});

describe('PostgreSQL: the documented pg_dump and pg_restore', () => {
  it('a dump taken under write load restores every acknowledged user and queued invitation', async () => {
    const bin = findPostgresBin();
    const dir = tempDir();
    const live = await createTestDatabase();
    cleanups.push(() => live.drop());
    const server = await embedded(live.url);
    const { networkId, groupId } = await prepare(server, live.url, 5_000);
    const load = writeLoad(server, networkId, groupId);
    await load.started();
    const dump = join(dir, 'wickr.dump');
    const backupStarted = Date.now();
    await new Promise<void>((resolve, reject) =>
      // As docs/operations.md gives it, beside the running server.
      execFile(join(bin, 'pg_dump'), ['--format=custom', `--file=${dump}`, live.url], (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    await load.stop();
    await server.close();

    const target = await createTestDatabase();
    cleanups.push(() => target.drop());
    execFileSync(join(bin, 'pg_restore'), ['--no-owner', `--dbname=${target.url}`, dump]);
    const restored = await embedded(target.url);
    await checkRestored(restored, networkId, load.batches, backupStarted);
  }, 120_000);
});
