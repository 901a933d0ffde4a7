#!/usr/bin/env node
// What an expand migration costs at a million users (docs/upgrading.md), on both engines:
// seeds a network of --users users through the package's bulk seed (after `npm run build`),
// then times the statements migrations are made of, one by one, on the members table, and
// `wickr-admin backup` of the SQLite file.
//
//   node bench/migration-cost.mjs --engine sqlite [--users 1000000]
//   node bench/migration-cost.mjs --engine postgres --database postgres://.../db [--users 1000000]
//
// The PostgreSQL figures are those of the server named (the test suite's throwaway cluster
// runs with fsync off); the SQLite file is made in a temporary folder and removed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { AdminClient, seedUsers, startEmbedded } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    database: { type: 'string' },
    users: { type: 'string', default: '1000000' },
  },
});
const users = Number(values.users);
const dir = mkdtempSync(join(tmpdir(), 'wickr-migration-cost-'));
const url = values.engine === 'postgres' ? values.database : `sqlite:${join(dir, 'wickr.db')}`;
if (!url) throw new Error('--engine postgres needs --database postgres://...');

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
try {
  const server = await startEmbedded({ env: {}, databaseUrl: url });
  const client = new AdminClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: server.credentials,
  });
  const { networkId } = await client.call('CreateNetwork', {
    networkName: 'million',
    accessLevel: 'STANDARD',
  });
  await server.close();
  let t = performance.now();
  await seedUsers(url, networkId, users, (i) => ({
    username: `user-${i}@example.com`,
    status: i % 2 ? 'active' : 'pending',
  }));
  console.log(`${values.engine}: seeded ${users} users in ${seconds(performance.now() - t)}`);

  const statements = [
    ['add a nullable column', 'ALTER TABLE members ADD COLUMN note text'],
    [
      'add a column with a default',
      'ALTER TABLE members ADD COLUMN tier integer NOT NULL DEFAULT 0',
    ],
    ['index it', 'CREATE INDEX members_tier ON members (network_id, tier)'],
    ['backfill every row', 'UPDATE members SET note = username_lc'],
  ];
  if (values.engine === 'postgres') {
    statements.push([
      'index it without blocking writes',
      'CREATE INDEX CONCURRENTLY members_tier2 ON members (network_id, tier)',
    ]);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    for (const [what, statement] of statements) {
      t = performance.now();
      await c.query(statement);
      console.log(`${values.engine}: ${what}: ${seconds(performance.now() - t)}  (${statement})`);
    }
    await c.end();
  } else {
    const file = url.slice('sqlite:'.length);
    const db = new SQLite(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    for (const [what, statement] of statements) {
      t = performance.now();
      db.exec(statement);
      console.log(`${values.engine}: ${what}: ${seconds(performance.now() - t)}  (${statement})`);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    t = performance.now();
    execFileSync(process.execPath, [
      join(import.meta.dirname, '..', 'bin', 'wickr-admin'),
      'backup',
      '--database',
      url,
      '--to',
      join(dir, 'backup.db'),
    ]);
    console.log(
      `sqlite: wickr-admin backup of ${(statSync(file).size / 1e6).toFixed(0)} MB: ${seconds(performance.now() - t)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
