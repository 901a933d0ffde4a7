// Seeding large networks fast: the network itself is created through the API (so it gets its
// uname key and default security group exactly as the server makes them), then its users are
// inserted in big transactions by the package's bulk seed (seedUsers, through the server's
// own members owner: derived columns and unames as the server computes them).
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { seedUsers } from 'wickr-admin-server';
import { benchClient } from './client.mjs';
import { ROOT, serverBuild, startServer } from './server.mjs';

export const TMP = join(ROOT, 'bench', 'results', 'tmp');
/** Bump when the seeded data changes shape, so stale cached databases are not reused. */
const SEED_VERSION = 1;
const NOW = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

const FIRST = [
  'ada',
  'alan',
  'barbara',
  'claude',
  'donald',
  'edsger',
  'frances',
  'grace',
  'john',
  'ken',
  'leslie',
  'margaret',
  'niklaus',
  'radia',
  'tony',
  'vint',
];
const LAST = [
  'hopper',
  'turing',
  'liskov',
  'shannon',
  'knuth',
  'dijkstra',
  'allen',
  'backus',
  'thompson',
  'lamport',
  'hamilton',
  'wirth',
  'perlman',
  'hoare',
  'cerf',
  'ritchie',
];

/**
 * The i-th seeded user. Every fifth user is pending (invited, not registered), the rest
 * active; one in a hundred is suspended. Usernames are unique and spread over the alphabet.
 */
export function seededUser(i) {
  const first = FIRST[(i * 7) % FIRST.length];
  const last = LAST[(i * 11 + (i >> 4)) % LAST.length];
  const username = `${first}.${last}.${i}@bench.example.com`;
  const pending = i % 5 === 0;
  return {
    username,
    first,
    last,
    status: pending ? 1 : 2,
    suspended: i % 100 === 7 ? 1 : 0,
    inviteCode: pending ? `BENCH${String(i).padStart(7, '0')}` : null,
    inviteExpiresAt: pending ? NOW + 30 * DAY : null,
    lastLogin: pending ? null : NOW - (i % 90) * DAY,
  };
}

/** Creates a network through the API of a server on `databaseUrl`; returns its ID. */
async function createNetwork(databaseUrl, name, serverCli) {
  const server = await startServer(databaseUrl, serverCli ? { script: serverCli } : {});
  try {
    const out = await benchClient(server.endpoint).call('CreateNetwork', {
      networkName: name,
      accessLevel: 'PREMIUM',
    });
    return out.networkId;
  } finally {
    await server.stop();
  }
}

/** The i-th seeded user as the package's bulk seed takes it. */
function bulkUser(i) {
  const u = seededUser(i);
  return {
    username: u.username,
    firstName: u.first,
    lastName: u.last,
    status: u.status === 2 ? 'active' : 'pending',
    suspended: u.suspended === 1,
    inviteCode: u.inviteCode,
    inviteExpiresAt: u.inviteExpiresAt,
    lastLogin: u.lastLogin,
  };
}

/** Seeds `size` users into the network; resolves to its uname key and default group. */
function seedNetworkUsers(url, networkId, size, engine, log, chunk) {
  return seedUsers(url, networkId, size, bulkUser, {
    now: NOW - DAY,
    chunk,
    onProgress: (done) => log(`seeding ${engine} ${size}: ${done} users`),
  });
}

/** A fingerprint of the schema: the built migrations, so a changed schema is seeded anew. */
function schemaFingerprint(serverCli) {
  const dir = join(serverBuild(serverCli), 'store', 'migrations');
  const h = createHash('sha256').update(`seed v${SEED_VERSION}\n`);
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()) {
    h.update(f).update(readFileSync(join(dir, f)));
  }
  return h.digest('hex').slice(0, 10);
}

/**
 * A SQLite database holding one network of `size` users, cached under bench/results/tmp/
 * (keyed by size and seed version) and reused by later runs. Resolves to its description:
 * { engine, url, file, networkId, groupId, unameKey, size }.
 */
export async function sqliteNetwork(size, { log = () => {}, serverCli } = {}) {
  mkdirSync(TMP, { recursive: true });
  const base = join(TMP, `sqlite-${size}-${schemaFingerprint(serverCli)}`);
  const file = `${base}.db`;
  const metaFile = `${base}.json`;
  if (existsSync(file) && existsSync(metaFile)) {
    return {
      ...JSON.parse(readFileSync(metaFile, 'utf8')),
      file,
      url: `sqlite:${file}`,
      cached: true,
    };
  }
  // 1M users take 600 MB: of other schemas, keep only the newest (for before/after runs).
  const others = readdirSync(TMP)
    .filter((f) => f.startsWith(`sqlite-${size}-`) && f.endsWith('.json'))
    .map((f) => join(TMP, f.slice(0, -'.json'.length)))
    .sort((a, b) => statSync(`${b}.json`).mtimeMs - statSync(`${a}.json`).mtimeMs);
  for (const old of others.slice(1)) {
    for (const ext of ['.db', '.db-wal', '.db-shm', '.json'])
      rmSync(`${old}${ext}`, { force: true });
  }
  const partial = `${base}.partial.db`;
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  const started = performance.now();
  const networkId = await createNetwork(`sqlite:${partial}`, `bench ${size}`, serverCli);
  const { unameKey, groupId } = await seedNetworkUsers(
    `sqlite:${partial}`,
    networkId,
    size,
    'sqlite',
    log,
    50_000,
  );
  const meta = {
    engine: 'sqlite',
    networkId,
    groupId,
    unameKey,
    size,
    seedSeconds: (performance.now() - started) / 1000,
  };
  renameSync(partial, file);
  for (const f of [`${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  return { ...meta, file, url: `sqlite:${file}`, cached: false };
}

/** A network of `size` users on the PostgreSQL database at `url` (seeded anew each run). */
export async function postgresNetwork(url, size, { log = () => {}, serverCli } = {}) {
  const started = performance.now();
  const networkId = await createNetwork(url, `bench ${size}`, serverCli);
  const { unameKey, groupId } = await seedNetworkUsers(
    url,
    networkId,
    size,
    'postgres',
    log,
    20_000,
  );
  return {
    engine: 'postgres',
    url,
    networkId,
    groupId,
    unameKey,
    size,
    seedSeconds: (performance.now() - started) / 1000,
  };
}

/** Runs one query against a network's database (SQLite read through a second connection). */
export async function query(net, sqlText, params = []) {
  if (net.engine === 'sqlite') {
    const db = new SQLite(net.file, { readonly: true });
    try {
      return db.prepare(sqlText.replace(/\$\d+/g, '?')).all(...params);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: net.url });
  await client.connect();
  try {
    return (await client.query(sqlText, params)).rows;
  } finally {
    await client.end();
  }
}
