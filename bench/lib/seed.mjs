// Seeding large networks fast: the network itself is created through the API (so it gets its
// uname key and default security group exactly as the server makes them), then its users are
// inserted straight into the database in big transactions, with unames computed by the
// server's own function.
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
import { unameOf } from 'wickr-admin-server';
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

function knownValues(networkId, unameKey, groupId, i) {
  const u = seededUser(i);
  return {
    network_id: networkId,
    kind: 'user',
    username: u.username,
    username_lc: u.username.toLowerCase(),
    uname: unameOf(unameKey, u.username),
    first_name: u.first,
    last_name: u.last,
    display_name: null,
    status: u.status,
    suspended: u.suspended,
    is_admin: 0,
    otp_enabled: 0,
    scim_id: null,
    cell: null,
    country_code: null,
    invite_code: u.inviteCode,
    invite_code_custom: 0,
    invite_expires_at: u.inviteExpiresAt,
    invite_ttl_days: 30,
    code_validation: 0,
    challenge_failures: 0,
    challenge_hash: null,
    pubkey: null,
    group_id: groupId,
    // Kept by the member_groups triggers (migration 007) once the membership is inserted.
    group_ids: '',
    last_login: u.lastLogin,
    last_activity: u.lastLogin,
    created_at: NOW - DAY,
    modified: NOW - DAY,
  };
}

/**
 * The columns of `members` as the current migrations make them, with a value maker for each:
 * the known ones from knownValues(), `<x>_lc` as the lowercased `<x>`, anything newer NULL
 * (a NOT NULL column without a value here fails the seeding loudly).
 */
function memberColumns(names) {
  const columns = names.filter((n) => n !== 'member_id');
  return {
    columns,
    row(networkId, unameKey, groupId, i) {
      const known = knownValues(networkId, unameKey, groupId, i);
      const out = {};
      for (const c of columns) {
        if (c in known) out[c] = known[c];
        else if (c.endsWith('_lc') && c.slice(0, -3) in known) {
          const base = known[c.slice(0, -3)];
          out[c] = base === null ? null : String(base).toLowerCase();
        } else out[c] = null;
      }
      return out;
    },
  };
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
  const db = new SQLite(partial);
  db.pragma('journal_mode = WAL');
  // A scratch file until it is renamed: durability buys nothing while seeding.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const { uname_key: unameKey } = db
    .prepare('SELECT uname_key FROM networks WHERE network_id = ?')
    .get(networkId);
  const { group_id: groupId } = db
    .prepare('SELECT group_id FROM security_groups WHERE network_id = ? AND is_default = 1')
    .get(networkId);
  const { columns, row } = memberColumns(
    db
      .prepare('PRAGMA table_info(members)')
      .all()
      .map((c) => c.name),
  );
  const insertMember = db.prepare(
    `INSERT INTO members (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
  );
  const insertGroup = db.prepare(
    'INSERT INTO member_groups (member_id, network_id, group_id) VALUES (?, ?, ?)',
  );
  const chunk = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const id = insertMember.run(row(networkId, unameKey, groupId, i)).lastInsertRowid;
      insertGroup.run(id, networkId, groupId);
    }
  });
  const CHUNK = 50_000;
  for (let from = 0; from < size; from += CHUNK) {
    chunk(from, Math.min(size, from + CHUNK));
    log(`seeding sqlite ${size}: ${Math.min(size, from + CHUNK)} users`);
  }
  db.exec('ANALYZE');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
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
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: n } = await client.query('SELECT uname_key FROM networks WHERE network_id = $1', [
      networkId,
    ]);
    const unameKey = n[0].uname_key;
    const { rows: g } = await client.query(
      'SELECT group_id FROM security_groups WHERE network_id = $1 AND is_default = 1',
      [networkId],
    );
    const groupId = g[0].group_id;
    const { rows: info } = await client.query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'members' ORDER BY ordinal_position",
    );
    const types = Object.fromEntries(info.map((c) => [c.column_name, c.data_type]));
    const { columns, row } = memberColumns(info.map((c) => c.column_name));
    const CHUNK = 20_000;
    await client.query('SET synchronous_commit = off');
    for (let from = 0; from < size; from += CHUNK) {
      const to = Math.min(size, from + CHUNK);
      const cols = Object.fromEntries(columns.map((c) => [c, []]));
      for (let i = from; i < to; i++) {
        const values = row(networkId, unameKey, groupId, i);
        for (const c of columns) cols[c].push(values[c]);
      }
      const params = columns.map((c) => cols[c]);
      const casts = columns.map((c, k) => `$${k + 1}::${types[c]}[]`);
      await client.query('BEGIN');
      const { rows } = await client.query(
        `INSERT INTO members (${columns.join(', ')}) SELECT * FROM unnest(${casts.join(', ')}) RETURNING member_id`,
        params,
      );
      await client.query(
        'INSERT INTO member_groups (member_id, network_id, group_id) SELECT id, $2, $3 FROM unnest($1::bigint[]) AS id',
        [rows.map((r) => r.member_id), networkId, groupId],
      );
      await client.query('COMMIT');
      log(`seeding postgres ${size}: ${to} users`);
    }
    await client.query('ANALYZE');
    return {
      engine: 'postgres',
      url,
      networkId,
      groupId,
      unameKey,
      size,
      seedSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await client.end();
  }
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
