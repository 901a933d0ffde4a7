/**
 * `wickr-admin migrate` (the built CLI): --status says what is applied, pending and newer and
 * whether this version can serve the database; --dry-run shows statements and changes
 * nothing; migrate applies. A server tolerates a newer release's expand migration and refuses
 * its contract migration. The rule checker flags each contracting statement it lists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbedded } from '../src/index.js';
import { openStore } from '../src/store/database.js';
import { knownMigrations } from '../src/store/migrations/index.js';
import { contractingStatements } from '../src/store/migrations/rules.js';
import { runCli } from './support/cli-run.js';
import { createTestDatabase } from './support/postgres.mjs';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An empty database of the engine (a SQLite file with no table yet). */
async function emptyDatabase(engine: string): Promise<string> {
  if (engine === 'postgres') {
    const d = await createTestDatabase();
    cleanups.push(() => d.drop());
    return d.url;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wickr-migrate-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite:${join(dir, 'w.db')}`;
  const store = await openStore(url, { migrate: false });
  await store.close();
  return url;
}

const migrate = (url: string, ...args: string[]) =>
  runCli(['migrate', '--database', url, ...args], process.env, tmpdir());

async function tables(url: string): Promise<number> {
  const store = await openStore(url, { migrate: false });
  try {
    const found = await store.db.introspection.getTables({ withInternalKyselyTables: true });
    return found.length;
  } finally {
    await store.close();
  }
}

async function recordMigration(url: string, name: string): Promise<void> {
  const store = await openStore(url, { migrate: false });
  try {
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${name}, ${new Date().toISOString()})`.execute(
      store.db,
    );
  } finally {
    await store.close();
  }
}

describe.each(['sqlite', 'postgres'])('wickr-admin migrate on %s', (engine) => {
  it('--status and --dry-run change nothing; migrate applies what is pending', async () => {
    const url = await emptyDatabase(engine);
    const all = knownMigrations();
    const status = await migrate(url, '--status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`Applied: 0 of this version's ${all.length} migrations`);
    expect(status.stdout).toContain(`Pending: ${all.join(', ')}`);
    expect(status.stdout).toMatch(/can serve this database once the pending migrations/);

    const dry = await migrate(url, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^Would apply \d+ migrations \(nothing was changed\):/);
    expect(dry.stdout).toMatch(/001-initial\n {2}create table "access_keys"/);
    expect(await tables(url)).toBe(0);

    const applied = await migrate(url);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toBe(`Applied ${all.join(', ')}.\n`);
    const json = await migrate(url, '--status', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      applied: all,
      pending: [],
      newer: [],
      canServe: true,
    });
    expect((await migrate(url, '--dry-run')).stdout).toBe(
      'Nothing to apply: the database is up to date.\n',
    );
  });

  it("serves beside a newer release's expand migration, and refuses its contract migration", async () => {
    const url = await emptyDatabase(engine);
    expect((await migrate(url)).code).toBe(0);
    await recordMigration(url, '900-future-column');
    const server = await startEmbedded({ env: {}, databaseUrl: url });
    await server.close();
    const tolerated = await migrate(url, '--status');
    expect(tolerated.code).toBe(0);
    expect(tolerated.stdout).toContain('Newer (applied by a later version): 900-future-column');
    expect(tolerated.stdout).toContain('This version can serve this database.');

    await recordMigration(url, '901-contract-drop-old-column');
    await expect(startEmbedded({ env: {}, databaseUrl: url })).rejects.toThrow(
      /This version cannot serve this database: a newer version has removed what this version uses \(migration 901-contract-drop-old-column\)/,
    );
    const refused = await migrate(url, '--status');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/This version cannot serve this database: .*901-contract/);
    const apply = await migrate(url);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/cannot serve this database/);
  });
});

describe('the expand-then-contract rule', () => {
  it('flags each statement that would break the previous release, and passes additions', () => {
    const contracting = [
      'alter table "members" drop column "cell"',
      'drop table "guest_blocks"',
      'alter table "members" rename column "cell" to "phone"',
      'alter table "outbox" rename to "mail"',
      'alter table "members" alter column "status" type text',
      'alter table "members" alter column "cell" set not null',
      'alter table "members" add column "tier" integer not null',
      'alter table "members" add constraint "tier_ok" check ("tier" > 0)',
      'create unique index "members_cell" on "members" ("cell")',
      'drop trigger members_lookup_update on members',
    ];
    for (const s of contracting) expect(contractingStatements([s]), s).toHaveLength(1);
    const expanding = [
      'create table "webhooks" ("id" text primary key, "url" text not null)',
      'alter table "members" add column "tier" integer',
      'alter table "members" add column "tier" integer default 0 not null',
      'create index "members_tier" on "members" ("network_id", "tier")',
      'drop index if exists "outbox_network"',
      'update "members" set "tier" = 0 where "tier" is null',
    ];
    expect(contractingStatements(expanding)).toEqual([]);
  });
});
