#!/usr/bin/env node
// `npm run bench`: starts the server from this checkout, seeds networks and drives it with
// autocannon using real SigV4-signed requests; every throughput is measured next to the ceiling
// of a bare node:http server answering the same bytes. See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { unameOf } from '../dist/domain/member-identity.js';
import { startCeiling } from './lib/ceiling.mjs';
import { requestSource, runLoad } from './lib/load.mjs';
import { inclusive, summarize } from './lib/profile.mjs';
import {
  latencyChart,
  markdownReport,
  sizeLabel,
  tableRows,
  targetLines,
  textTable,
} from './lib/report.mjs';
import { postgresNetwork, query, seededUser, sqliteNetwork, TMP } from './lib/seed.mjs';
import { ROOT, startServer, useServerCli } from './lib/server.mjs';
import { call, CREDENTIALS, REGION, signRequest } from './lib/sign.mjs';

const SCENARIOS = [
  'lookup',
  'lookup-cold',
  'lookup-floor',
  'list',
  'reinvite',
  'create',
  'import',
  'start',
];
const HELP = `Usage: npm run bench -- [options]

  --scenario <names|all>   ${SCENARIOS.join(', ')} (comma-separated; default all)
  --engine <e>             sqlite, postgres or both (default both; postgres needs its server binaries)
  --sizes <list>           network sizes for the SQLite lookups (default 10000,100000,1000000);
                           the largest is used by list and start, 100000 (or the middle one) by
                           reinvite, create and the targets named "100k"
  --pg-sizes <list>        network sizes for PostgreSQL (default 100000; seeded anew each run)
  --duration <s>           seconds per measured run (default 10)
  --warmup <s>             seconds of unmeasured load before the first run of each scenario (default 2)
  --repeats <n>            measured runs per scenario, medians reported (default 3)
  --connections <n>        override every scenario's connection count (lookup 32, others 8)
  --import-rows <n>        rows in the CSV of the import scenario (default 100000)
  --profile                run the server under --cpu-prof and print where its time went
  --server-cli <file>      run the server from another build's cli/main.js (before/after runs;
                           default bin/wickr-admin)
  --label <name>           write only bench/results/<timestamp>-<name>.json, not latest.md
                           (e.g. a --server-cli run for comparison)
  --compare <file.json>    add a before/after table against an earlier run's JSON to latest.md
  --render <file.json>     only rewrite latest.md and the chart from a run's JSON (no load)
  --no-report              print the table only; do not write bench/results/
`;

const { values: opts } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    engine: { type: 'string', default: 'both' },
    sizes: { type: 'string', default: '10000,100000,1000000' },
    'pg-sizes': { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '3' },
    connections: { type: 'string' },
    'import-rows': { type: 'string', default: '100000' },
    profile: { type: 'boolean', default: false },
    'server-cli': { type: 'string' },
    'no-report': { type: 'boolean', default: false },
    label: { type: 'string' },
    compare: { type: 'string' },
    render: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: false,
});
if (opts.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const positiveInt = (name, v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) die(`--${name} must be a positive integer, got "${v}"`);
  return n;
};
const list = (name, v) =>
  v
    .split(',')
    .map((s) => positiveInt(name, s.trim().replace(/_/g, '')))
    .sort((a, b) => a - b);
function die(msg) {
  process.stderr.write(`bench: ${msg}\n\n${HELP}`);
  process.exit(2);
}

const scenarios =
  opts.scenario === 'all' ? SCENARIOS : opts.scenario.split(',').map((s) => s.trim());
for (const s of scenarios) if (!SCENARIOS.includes(s)) die(`unknown scenario "${s}"`);
if (!['sqlite', 'postgres', 'both'].includes(opts.engine))
  die('--engine must be sqlite, postgres or both');
const engines = opts.engine === 'both' ? ['sqlite', 'postgres'] : [opts.engine];
const sizes = list('sizes', opts.sizes);
const pgSizes = list('pg-sizes', opts['pg-sizes']);
const duration = positiveInt('duration', opts.duration);
const warmup = Number(opts.warmup);
const repeats = positiveInt('repeats', opts.repeats);
const connOverride = opts.connections ? positiveInt('connections', opts.connections) : undefined;
const importRows = positiveInt('import-rows', opts['import-rows']);
if (opts['server-cli']) useServerCli(resolvePath(opts['server-cli']));
// Requests are signed before a scenario starts and must stay inside SigV4's 15-minute window.
if (2 * (warmup + repeats * duration) > 12 * 60)
  die(
    '--repeats × --duration is too long for requests signed up front (keep 2 × (warmup + repeats × duration) under 12 minutes)',
  );

const BATCH = 50;
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const median = (xs) => {
  const v = xs.filter((x) => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const h = Math.floor(v.length / 2);
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};
const primaryOf = (xs) => (xs.includes(100_000) ? 100_000 : xs[Math.floor((xs.length - 1) / 2)]);
const sizesFor = (engine) => (engine === 'postgres' ? pgSizes : sizes);
const runTag = Date.now().toString(36);
const results = [];
const notes = [];
const profiles = [];

/** A deterministic PRNG (mulberry32), so a run's request pools are reproducible. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Server CPU time (user + system) in microseconds, from /proc. */
function cpuMicros(pid) {
  try {
    const stat = readProc(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
  } catch {
    return NaN;
  }
}
const readProc = (p) => readFileSync(p, 'utf8');
const CLK_TCK =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

// ---------- engines and networks ----------

let pgHandle;

/** Rows of a table in the scenario's network matching a fixed condition (from this file). */
async function countRows(net, table, condition) {
  const rows = await query(
    net,
    `SELECT count(*) AS n FROM ${table} WHERE network_id = $1 AND ${condition}`,
    [net.networkId],
  );
  return Number(rows[0].n);
}

async function postgres() {
  if (pgHandle) return pgHandle;
  const { startPostgres, stopPostgres } = await import('../test/support/postgres.mjs');
  log('starting a throwaway PostgreSQL cluster (loopback only)');
  pgHandle = await startPostgres();
  const stop = () => stopPostgres(pgHandle);
  process.on('exit', stop);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      stop();
      process.exit(130);
    });
  }
  return pgHandle;
}

const pgNetworks = new Map();
/** The network of `size` users on `engine` (read-mostly scenarios share it). */
async function network(engine, size) {
  if (engine === 'sqlite') {
    const net = await sqliteNetwork(size, log);
    if (!net.cached)
      log(
        `seeded sqlite ${sizeLabel(size)} in ${net.seedSeconds.toFixed(1)} s (cached in ${net.file})`,
      );
    return net;
  }
  if (!pgNetworks.has(size)) {
    const pg = await postgres();
    const { createTestDatabase } = await import('../test/support/postgres.mjs');
    const db = await createTestDatabase(pg.url);
    const net = await postgresNetwork(db.url, size, log);
    log(`seeded postgres ${sizeLabel(size)} in ${net.seedSeconds.toFixed(1)} s`);
    pgNetworks.set(size, net);
  }
  return pgNetworks.get(size);
}

/** A private copy of a network for a scenario that changes it (SQLite: a file copy). */
async function scratchNetwork(engine, size, name) {
  const net = await network(engine, size);
  if (engine !== 'sqlite') return net;
  const file = join(TMP, `work-${name}-${size}.db`);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  copyFileSync(net.file, file);
  return { ...net, file, url: `sqlite:${file}` };
}

// ---------- measuring ----------

async function withServer(net, fn, env = {}, script = undefined) {
  const server = await startServer(net.url, {
    nodeArgs: opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(TMP, 'profiles')}`] : [],
    env,
    ...(script ? { script } : {}),
  });
  const before = new Set(
    opts.profile && existsSync(join(TMP, 'profiles')) ? readdirSync(join(TMP, 'profiles')) : [],
  );
  try {
    return await fn(server);
  } finally {
    const code = await server.stop();
    if (code?.code && code.code !== 0)
      log(`server exited with ${JSON.stringify(code)}:\n${server.output()}`);
    if (opts.profile) {
      const fresh = readdirSync(join(TMP, 'profiles')).filter((f) => !before.has(f));
      for (const f of fresh) profiles.push({ server: net.url, file: join(TMP, 'profiles', f) });
    }
  }
}

/**
 * Measures `source` against the server and against the ceiling: warm-up, then `repeats`
 * alternating runs. `check(json)` validates the recorded response. Returns medians and runs.
 */
async function measure(name, server, source, { connections, check, capture }) {
  const host = new URL(server.endpoint).host;
  // One real answer, recorded for the ceiling and checked for correctness.
  const req = capture ?? source.pool[0];
  if (req.headers.host !== host) throw new Error('request signed for another host');
  const res = await fetch(`${server.endpoint}${req.path}`, {
    method: req.method,
    headers: req.headers,
    ...(req.body.length ? { body: req.body } : {}),
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`${name}: the recorded request answered ${res.status}: ${text.slice(0, 400)}`);
  check?.(JSON.parse(text));
  const recorded = { status: 200, contentType: res.headers.get('content-type'), body: text };
  let okTotal = 1;

  const ceiling = await startCeiling(name, recorded);
  const replay = source.replay();
  try {
    if (warmup > 0) {
      okTotal += (await runLoad({ url: server.endpoint, source, connections, duration: warmup }))
        .ok;
      await runLoad({ url: ceiling.url, source: replay, connections, duration: warmup });
    }
    const runs = [];
    for (let i = 0; i < repeats; i++) {
      const cpu0 = cpuMicros(server.pid);
      const ours = await runLoad({ url: server.endpoint, source, connections, duration });
      const cpu = cpuMicros(server.pid) - cpu0;
      okTotal += ours.ok;
      if (ours.totalErrors > 0) await explainErrors(name, server, source);
      const ceilCpu0 = cpuMicros(ceiling.pid);
      const ceil = await runLoad({ url: ceiling.url, source: replay, connections, duration });
      const ceilCpu = cpuMicros(ceiling.pid) - ceilCpu0;
      runs.push({
        ours,
        ceiling: ceil,
        cpuUsPerRequest: ours.ok ? cpu / ours.ok : NaN,
        ceilingCpuUsPerRequest: ceil.ok ? ceilCpu / ceil.ok : NaN,
      });
      log(
        `${name} run ${i + 1}/${repeats}: ${ours.rps.toFixed(0)} req/s (ceiling ${ceil.rps.toFixed(0)}, p50 ${ceil.latency.p50.toFixed(2)} ms, p99 ${ceil.latency.p99.toFixed(2)} ms), ` +
          `p50 ${ours.latency.p50.toFixed(2)} ms, p99 ${ours.latency.p99.toFixed(2)} ms, errors ${ours.totalErrors}`,
      );
    }
    return {
      connections,
      rps: median(runs.map((r) => r.ours.rps)),
      ceilingRps: median(runs.map((r) => r.ceiling.rps)),
      ratio: median(runs.map((r) => r.ours.rps / r.ceiling.rps)),
      p50: median(runs.map((r) => r.ours.latency.p50)),
      p99: median(runs.map((r) => r.ours.latency.p99)),
      ceilingP50: median(runs.map((r) => r.ceiling.latency.p50)),
      ceilingP99: median(runs.map((r) => r.ceiling.latency.p99)),
      errors: runs.reduce((a, r) => a + r.ours.totalErrors, 0),
      cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
      ceilingCpuUsPerRequest: median(runs.map((r) => r.ceilingCpuUsPerRequest)),
      okTotal,
      // Requests answered after a run's end are not counted by autocannon but were processed.
      maxProcessed: source.used() + (capture ? 0 : 1),
      runs,
    };
  } finally {
    await ceiling.stop();
  }
}

async function explainErrors(name, server, source) {
  const r = source.pool[source.pool.length - 1];
  const res = await fetch(`${server.endpoint}${r.path}`, {
    method: r.method,
    headers: r.headers,
    ...(r.body.length ? { body: r.body } : {}),
  });
  log(
    `${name}: errors during the run; a sample request now answers ${res.status}: ${(await res.text()).slice(0, 300)}`,
  );
}

const conns = (dflt) => connOverride ?? dflt;

// ---------- scenarios ----------

/**
 * Variants of the same requests: `cold`, the server's uname cache off
 * (WICKR_UNAME_CACHE_ENTRIES=0), so every uname is read from the database (what a working set
 * larger than the cache costs); `floor`, bench/floor-server.mjs, whose lookup handler answers at
 * once (what the API costs before any work).
 */
async function lookupScenario(engine, size, variant = '') {
  const name = variant ? `lookup-${variant}` : 'lookup';
  const net = await network(engine, size);
  const r = await withServer(
    net,
    async (server) => {
      const host = new URL(server.endpoint).host;
      const rand = rng(size);
      const make = () => {
        const picked = new Set();
        while (picked.size < BATCH) picked.add(Math.floor(rand() * size));
        const unames = [...picked].map((i) => unameOf(net.unameKey, seededUser(i).username));
        return signRequest({
          method: 'POST',
          host,
          path: `/networks/${net.networkId}/users/uname-lookup`,
          body: JSON.stringify({ unames }),
        });
      };
      const source = requestSource(make, { prepared: 1000 });
      const m = await measure(`${name} ${engine} ${sizeLabel(size)}`, server, source, {
        connections: conns(32),
        check: (out) => {
          if (out.successful?.length !== BATCH)
            throw new Error(`lookup resolved ${out.successful?.length} of ${BATCH}`);
        },
      });
      return { ...m, peakRss: server.memory()?.hwm };
    },
    variant === 'cold' ? { WICKR_UNAME_CACHE_ENTRIES: '0' } : {},
    variant === 'floor' ? join(ROOT, 'bench', 'floor-server.mjs') : undefined,
  );
  results.push({
    scenario: name,
    operation: 'BatchLookupUserUname',
    engine,
    size,
    ...r,
    other: {
      cold: '50 hits a request; uname cache off: every uname read from the database',
      floor: 'the same requests; the handler answers at once: the cost of the API before any work',
      '': '50 hits a request; 50,000 distinct unames, all in the uname cache after the warm-up',
    }[variant],
  });
}

async function listScenario(engine, size) {
  const net = await network(engine, size);
  const r = await withServer(net, async (server) => {
    const host = new URL(server.endpoint).host;
    // Distinct requests: first pages and later pages (keyset tokens collected by walking).
    const paths = [];
    for (const status of [1, 2]) {
      for (const dir of ['ASC', 'DESC']) {
        const base = `/networks/${net.networkId}/users?maxResults=100&status=${status}&sortFields=username&sortDirection=${dir}`;
        let token;
        for (let page = 0; page < 25; page++) {
          const path = token ? `${base}&nextToken=${encodeURIComponent(token)}` : base;
          paths.push(path);
          const out = await call(server.endpoint, 'GET', path);
          if (out.status !== 200)
            throw new Error(`ListUsers answered ${out.status}: ${out.body.slice(0, 300)}`);
          token = out.json.nextToken;
          if (!token) break;
        }
      }
    }
    const source = requestSource(
      (i) => signRequest({ method: 'GET', host, path: paths[i % paths.length] }),
      {
        prepared: paths.length,
      },
    );
    const m = await measure(`list ${engine} ${sizeLabel(size)}`, server, source, {
      connections: conns(8),
      check: (out) => {
        if (out.users?.length !== 100)
          throw new Error(`ListUsers returned ${out.users?.length} users, not 100`);
      },
    });
    return { ...m, peakRss: server.memory()?.hwm };
  });
  results.push({
    scenario: 'list',
    operation: 'ListUsers',
    engine,
    size,
    ...r,
    other: '100 a page, by status, sorted by username',
  });
}

async function reinviteScenario(engine, size) {
  const net = await scratchNetwork(engine, size, 'reinvite');
  const pending = (
    await query(
      net,
      "SELECT member_id FROM members WHERE network_id = $1 AND kind = 'user' AND status = 1 AND suspended = 0 ORDER BY member_id",
      [net.networkId],
    )
  ).map((r) => String(r.member_id));
  const batches = Math.floor(pending.length / BATCH);
  if (batches < 2)
    throw new Error(
      `reinvite needs at least ${2 * BATCH} pending users, the network has ${pending.length}`,
    );
  const countReinvites = () => countRows(net, 'outbox', "kind = 'reinvite'");
  const r = await withServer(net, async (server) => {
    const host = new URL(server.endpoint).host;
    const before = await countReinvites();
    // Each request reinvites a different batch; pending users stay pending, so the pool cycles.
    const make = (i) =>
      signRequest({
        method: 'PATCH',
        host,
        path: `/networks/${net.networkId}/users/re-invite`,
        body: JSON.stringify({
          userIds: pending.slice((i % batches) * BATCH, ((i % batches) + 1) * BATCH),
        }),
      });
    const source = requestSource(make, { prepared: batches });
    const m = await measure(`reinvite ${engine} ${sizeLabel(size)}`, server, source, {
      connections: conns(8),
      check: (out) => {
        if (out.successful?.length !== BATCH)
          throw new Error(
            `reinvite: ${out.successful?.length} of ${BATCH} succeeded: ${JSON.stringify(out.failed?.[0])}`,
          );
      },
    });
    const queued = (await countReinvites()) - before;
    return { ...m, peakRss: server.memory()?.hwm, queued };
  });
  const usersPerSec = r.rps * BATCH;
  const queuedOk = r.queued >= r.okTotal * BATCH && r.queued <= r.maxProcessed * BATCH;
  results.push({
    scenario: 'reinvite',
    operation: 'BatchReinviteUser',
    engine,
    size,
    ...r,
    usersPerSec,
    emailsQueued: r.queued,
    emailsQueuedOk: queuedOk,
    other: `${usersPerSec.toFixed(0)} users/s; ${r.queued} reinvitation e-mails queued${queuedOk ? ' (one per reinvited user)' : ` (expected ${r.okTotal * BATCH}–${r.maxProcessed * BATCH})`}`,
  });
}

async function createScenario(engine, size) {
  const net = await scratchNetwork(engine, size, 'create');
  const countUsers = () => countRows(net, 'members', "kind = 'user'");
  const countInvites = () => countRows(net, 'outbox', "kind = 'invite'");
  const r = await withServer(net, async (server) => {
    const host = new URL(server.endpoint).host;
    const users0 = await countUsers();
    const invites0 = await countInvites();
    // 50 fresh usernames a request, unique over the whole run (made lazily past the prepared pool).
    const make = (i) =>
      signRequest({
        method: 'POST',
        host,
        path: `/networks/${net.networkId}/users`,
        body: JSON.stringify({
          users: Array.from({ length: BATCH }, (_, k) => ({
            username: `new.${runTag}.${i}.${k}@create.example.com`,
            firstName: 'New',
            lastName: `User${k}`,
            securityGroupIds: [net.groupId],
          })),
        }),
      });
    const source = requestSource(make, {
      prepared: Math.min(20_000, Math.max(1000, 300 * (warmup + duration * repeats))),
      unique: true,
    });
    const capture = source.next();
    const m = await measure(`create ${engine} ${sizeLabel(size)}`, server, source, {
      connections: conns(8),
      capture,
      check: (out) => {
        if (out.successful?.length !== BATCH)
          throw new Error(
            `create: ${out.successful?.length} of ${BATCH} created: ${JSON.stringify(out.failed?.[0])}`,
          );
      },
    });
    return {
      ...m,
      peakRss: server.memory()?.hwm,
      created: (await countUsers()) - users0,
      invites: (await countInvites()) - invites0,
    };
  });
  const usersPerSec = r.rps * BATCH;
  const createdOk =
    r.created >= r.okTotal * BATCH &&
    r.created <= r.maxProcessed * BATCH &&
    r.invites === r.created;
  results.push({
    scenario: 'create',
    operation: 'BatchCreateUser',
    engine,
    size,
    ...r,
    usersPerSec,
    createdOk,
    other: `${usersPerSec.toFixed(0)} users/s; ${r.created} created, ${r.invites} invitations queued${createdOk ? '' : ` (expected ${r.okTotal * BATCH}–${r.maxProcessed * BATCH}, one invitation each)`}`,
  });
}

async function importScenario(engine, size) {
  const help = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'wickr-admin'), 'users', 'import', '--help'],
    { encoding: 'utf8' },
  );
  if (help.status !== 0) {
    notes.push(
      'import: `wickr-admin users import` is not available in this build; the scenario was skipped.',
    );
    results.push({ scenario: 'import', engine, size, other: 'not available' });
    return;
  }
  const net = await scratchNetwork(engine, size, 'import');
  const csv = join(TMP, `import-${importRows}.csv`);
  await new Promise((resolve, reject) => {
    const out = createWriteStream(csv);
    out.on('error', reject);
    out.write('username,firstName,lastName\n');
    for (let i = 0; i < importRows; i++)
      out.write(`imported.${runTag}.${i}@import.example.com,Imported,User${i}\n`);
    out.end(resolve);
  });
  const countUsers = () => countRows(net, 'members', "kind = 'user'");
  const r = await withServer(net, async (server) => {
    const users0 = await countUsers();
    const started = performance.now();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, server.memory()?.hwm ?? 0);
    }, 500);
    const cli = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'wickr-admin'),
        'users',
        'import',
        csv,
        '--network',
        net.networkId,
        '--no-progress',
        '--json',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          WICKR_ENDPOINT: server.endpoint,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_REGION: REGION,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (d) => (stdout += d));
    cli.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    // Bounded: a stuck import is killed after 10 minutes.
    const killer = setTimeout(() => cli.kill('SIGKILL'), 600_000);
    const code = await new Promise((resolve) => cli.on('exit', resolve));
    clearTimeout(killer);
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) log(`import exited ${code}: ${stderr.slice(-1000)}`);
    return {
      seconds,
      code,
      created: (await countUsers()) - users0,
      peakRss: Math.max(peak, server.memory()?.hwm ?? 0),
    };
  });
  results.push({
    scenario: 'import',
    operation: 'wickr-admin users import',
    engine,
    size,
    ...r,
    errors: r.created === importRows && r.code === 0 ? 0 : importRows - r.created,
    other: `${importRows} rows in ${r.seconds.toFixed(1)} s (${(r.created / r.seconds).toFixed(0)} users/s), ${r.created} created, exit ${r.code}`,
  });
}

async function startScenario(engine, size) {
  const net = await network(engine, size);
  const starts = [];
  for (let i = 0; i < Math.max(3, repeats); i++) {
    const server = await startServer(net.url);
    starts.push({ ms: server.startMs, rss: server.memory()?.rss });
    await server.stop();
  }
  const startMs = median(starts.map((s) => s.ms));
  results.push({
    scenario: 'start',
    engine,
    size,
    startMs,
    starts,
    peakRss: median(starts.map((s) => s.rss)),
    other: `listening (first /health answer) after ${startMs.toFixed(0)} ms (median of ${starts.length}); RSS at start`,
  });
}

// ---------- targets ----------

function evaluateTargets() {
  // Failed scenarios are reported as such elsewhere: a target they were to measure is "not run".
  const find = (scenario, engine, size) =>
    results.find(
      (r) =>
        !r.failed &&
        r.scenario === scenario &&
        r.engine === engine &&
        (size === undefined || r.size === size),
    );
  const t = [];
  const P = primaryOf(sizes);
  const lk = find('lookup', 'sqlite', P);
  t.push({
    name: `BatchLookupUserUname, SQLite, ${sizeLabel(P)} users, ${lk?.connections ?? 32} connections`,
    goal: '≥ 0.6 × ceiling; p99 ≤ 10 ms; 0 errors',
    actual: lk
      ? `${lk.ratio.toFixed(2)} × ceiling (${lk.rps.toFixed(0)} / ${lk.ceilingRps.toFixed(0)} req/s); p99 ${lk.p99.toFixed(2)} ms; ${lk.errors} errors`
      : 'not run',
    met: lk ? lk.ratio >= 0.6 && lk.p99 <= 10 && lk.errors === 0 : undefined,
  });
  const PP = primaryOf(pgSizes);
  const lp = find('lookup', 'postgres', PP);
  t.push({
    name: `BatchLookupUserUname, PostgreSQL, ${sizeLabel(PP)} users`,
    goal: '≥ 0.4 × ceiling; 0 errors',
    actual: lp
      ? `${lp.ratio.toFixed(2)} × ceiling (${lp.rps.toFixed(0)} / ${lp.ceilingRps.toFixed(0)} req/s); ${lp.errors} errors`
      : 'not run',
    met: lp ? lp.ratio >= 0.4 && lp.errors === 0 : undefined,
  });
  const small = find('lookup', 'sqlite', sizes[0]);
  const big = find('lookup', 'sqlite', sizes[sizes.length - 1]);
  t.push({
    name: `BatchLookupUserUname p50 at ${sizeLabel(sizes[sizes.length - 1])} vs ${sizeLabel(sizes[0])} users`,
    goal: '≤ 1.25 ×',
    actual:
      small && big && small !== big
        ? `${(big.p50 / small.p50).toFixed(2)} × (${big.p50.toFixed(2)} vs ${small.p50.toFixed(2)} ms)`
        : 'not run',
    met: small && big && small !== big ? big.p50 <= 1.25 * small.p50 : undefined,
  });
  const ri = find('reinvite', 'sqlite') ?? find('reinvite', 'postgres');
  t.push({
    name: `BatchReinviteUser, 50 pending users a request${ri ? `, ${ri.engine}` : ''}`,
    goal: '≥ 3,000 users reinvited/s, e-mails queued',
    actual: ri
      ? `${ri.usersPerSec.toFixed(0)} users/s; ${ri.emailsQueued} e-mails queued${ri.emailsQueuedOk ? ', one per reinvited user' : ' (MISMATCH)'}; ${ri.errors} errors`
      : 'not run',
    met: ri ? ri.usersPerSec >= 3000 && ri.emailsQueuedOk && ri.errors === 0 : undefined,
  });
  const cr = find('create', 'sqlite') ?? find('create', 'postgres');
  t.push({
    name: `BatchCreateUser, 50 users a request, ${cr?.connections ?? 8} clients${cr ? `, ${cr.engine}` : ''}`,
    goal: '≥ 5,000 users/s',
    actual: cr
      ? `${cr.usersPerSec.toFixed(0)} users/s; ${cr.errors} errors${cr.createdOk ? '' : '; created count MISMATCH'}`
      : 'not run',
    met: cr ? cr.usersPerSec >= 5000 && cr.errors === 0 && cr.createdOk : undefined,
  });
  const L = sizes[sizes.length - 1];
  const ls = find('list', 'sqlite', L) ?? find('list', 'postgres');
  t.push({
    name: `ListUsers, 100 a page, by status, sorted by username, ${ls ? sizeLabel(ls.size) : sizeLabel(L)} users, ${ls?.connections ?? 8} connections`,
    goal: 'p99 ≤ 20 ms',
    actual: ls
      ? `p99 ${ls.p99.toFixed(2)} ms (p50 ${ls.p50.toFixed(2)} ms); ${ls.errors} errors`
      : 'not run',
    met: ls ? ls.p99 <= 20 && ls.errors === 0 : undefined,
  });
  const im = find('import', 'sqlite') ?? find('import', 'postgres');
  t.push({
    name: `wickr-admin users import of ${sizeLabel(importRows)} users from CSV`,
    goal: '≤ 60 s',
    actual: im
      ? im.seconds !== undefined
        ? `${im.seconds.toFixed(1)} s; ${im.created} created`
        : im.other
      : 'not run',
    met: im?.seconds !== undefined ? im.seconds <= 60 && im.errors === 0 : undefined,
  });
  const st = find('start', 'sqlite', L) ?? find('start', 'postgres');
  const lkBig = find('lookup', st?.engine ?? 'sqlite', st?.size ?? L);
  t.push({
    name: `server start on an existing ${sizeLabel(st?.size ?? L)}-user database`,
    goal: 'listening ≤ 1 s; peak RSS after the lookup run ≤ 200 MB',
    actual:
      (st ? `listening after ${st.startMs.toFixed(0)} ms` : 'start not run') +
      '; ' +
      (lkBig?.peakRss
        ? `peak RSS after the lookup run ${(lkBig.peakRss / 1048576).toFixed(0)} MB`
        : 'lookup not run'),
    met: st && lkBig?.peakRss ? st.startMs <= 1000 && lkBig.peakRss <= 200 * 1048576 : undefined,
  });
  return t;
}

// ---------- main ----------

async function main() {
  if (opts.render) {
    writeReport(resolvePath(opts.render));
    return;
  }
  const started = Date.now();
  if (engines.includes('postgres')) {
    try {
      const { findPostgresBin } = await import('../test/support/postgres.mjs');
      findPostgresBin();
    } catch (e) {
      log(`PostgreSQL is not available, its scenarios are skipped: ${e.message.split('\n')[0]}`);
      notes.push('PostgreSQL server binaries were not found: its scenarios were skipped.');
      engines.splice(engines.indexOf('postgres'), 1);
    }
  }
  const plan = [];
  for (const engine of engines) {
    const P = primaryOf(sizesFor(engine));
    const big = sizesFor(engine)[sizesFor(engine).length - 1];
    if (scenarios.includes('start')) plan.push(['start', engine, big]);
    if (scenarios.includes('lookup'))
      for (const s of sizesFor(engine)) plan.push(['lookup', engine, s]);
    for (const variant of ['lookup-cold', 'lookup-floor'])
      if (scenarios.includes(variant) && engine === 'sqlite') plan.push([variant, engine, P]);
    if (scenarios.includes('list')) plan.push(['list', engine, big]);
    // The write scenarios are SQLite's unless only PostgreSQL was asked for.
    if (engine === 'sqlite' || engines.length === 1) {
      if (scenarios.includes('reinvite')) plan.push(['reinvite', engine, P]);
      if (scenarios.includes('create')) plan.push(['create', engine, P]);
      if (scenarios.includes('import')) plan.push(['import', engine, P]);
    }
  }
  const run = {
    lookup: lookupScenario,
    'lookup-cold': (engine, size) => lookupScenario(engine, size, 'cold'),
    'lookup-floor': (engine, size) => lookupScenario(engine, size, 'floor'),
    list: listScenario,
    reinvite: reinviteScenario,
    create: createScenario,
    import: importScenario,
    start: startScenario,
  };
  for (const [name, engine, size] of plan) {
    log(`--- ${name} on ${engine}, ${sizeLabel(size)} users`);
    try {
      await run[name](engine, size);
    } catch (e) {
      log(`${name} on ${engine} failed: ${e.stack ?? e}`);
      results.push({
        scenario: name,
        engine,
        size,
        failed: String(e.message ?? e),
        other: `FAILED: ${String(e.message ?? e).slice(0, 120)}`,
      });
      notes.push(
        `${name} on ${engine} (${sizeLabel(size)}) failed: ${String(e.message ?? e).split('\n')[0]}`,
      );
    }
  }

  const targets = evaluateTargets();
  const rows = tableRows(results);
  process.stdout.write(`\n${textTable(rows)}\n\nTargets:\n${targetLines(targets).join('\n')}\n`);
  for (const p of profiles) {
    const s = summarize(p.file, 20);
    process.stdout.write(
      `\nCPU profile of the server on ${p.server} (${p.file}): ${s.totalMs.toFixed(0)} ms busy serving ` +
        `(idle ${s.idleMs.toFixed(0)} ms and start-up ${s.startupMs.toFixed(0)} ms left out)\n` +
        `--- self time\n${s.functions}\n--- by package\n${s.files}\n--- inclusive\n${inclusive(p.file, 30)}\n`,
    );
  }

  if (opts['no-report']) return;
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date(started)
    .toISOString()
    .replace(/[:]/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const meta = {
    date: new Date(started).toISOString(),
    git:
      git.status === 0
        ? `${git.stdout.trim()}${dirty.stdout.trim() ? ' (with uncommitted changes)' : ''}`
        : undefined,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    ...(opts['server-cli'] ? { serverCli: opts['server-cli'] } : {}),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown CPU',
    memGiB: Math.round(totalmem() / 2 ** 30),
    duration,
    warmup,
    repeats,
    sizes,
    pgSizes,
    engines,
    seconds: (Date.now() - started) / 1000,
  };
  const label = opts.label ? `-${opts.label.replace(/[^\w.-]+/g, '_')}` : '';
  const json = join(outDir, `${stamp}${label}.json`);
  writeFileSync(json, `${JSON.stringify({ meta, targets, results, notes }, null, 2)}\n`);
  if (label) {
    log(`wrote ${json}`);
    return;
  }
  writeReport(json);
  log(`(${meta.seconds.toFixed(0)} s)`);
}

/** bench/results/latest.md and the chart, from a run's JSON (and --compare's, if given). */
function writeReport(jsonFile) {
  const outDir = join(ROOT, 'bench', 'results');
  const run = JSON.parse(readFileSync(jsonFile, 'utf8'));
  const name = relative(outDir, jsonFile);
  let comparison;
  if (opts.compare) {
    const earlier = JSON.parse(readFileSync(resolvePath(opts.compare), 'utf8'));
    const file = relative(outDir, resolvePath(opts.compare));
    comparison = {
      before: earlier.results,
      intro:
        `Before: [${file}](${file}), \`${earlier.meta.command}\`` +
        `${earlier.meta.serverCli ? ` (server from ${earlier.meta.serverCli})` : ''}, ${earlier.meta.date}; ` +
        "after: this run. Medians of each run's repeats, both on this machine. Server CPU µs " +
        'per request is the figure least moved by other load on the machine.',
    };
  }
  const svg = latencyChart(run.results);
  if (svg) writeFileSync(join(outDir, 'latency-vs-size.svg'), svg);
  writeFileSync(
    join(outDir, 'latest.md'),
    markdownReport({
      meta: run.meta,
      results: run.results,
      targets: run.targets,
      chartFile: svg ? 'latency-vs-size.svg' : undefined,
      notes: [
        ...(run.notes ?? []),
        'Profiles of the missed targets, the changes made and what is left: [../PERFORMANCE.md](../PERFORMANCE.md).',
        `Raw figures: [${name}](${name}).`,
      ],
      ...(comparison ? { comparison } : {}),
    }),
  );
  log(
    `wrote bench/results/latest.md${svg ? ' and bench/results/latency-vs-size.svg' : ''} from ${name}`,
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench: ${e.stack ?? e}\n`);
    process.exit(1);
  },
);
