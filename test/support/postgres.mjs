// A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a fresh temporary
// directory, listen on 127.0.0.1 only (a free port, trust authentication), and remove it all
// again on stop. Used by scripts/test.mjs; reusable by anything that needs a real server.
//
// Binaries: $WICKR_PG_BIN if set, else the newest /usr/lib/postgresql/<version>/bin, else
// initdb/pg_ctl on PATH. PostgreSQL refuses to run as root, so as root the server runs as the
// `postgres` OS user (or `nobody` when there is none), via runuser (or su).
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const DATABASE = 'wickr_test';

/** The directory holding initdb and pg_ctl, or throws saying how to get them. */
export function findPostgresBin() {
  const candidates = [];
  if (process.env.WICKR_PG_BIN) candidates.push(process.env.WICKR_PG_BIN);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  for (const dir of candidates) {
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  const onPath = which.status === 0 ? which.stdout.trim() : '';
  if (onPath) {
    const dir = onPath.slice(0, onPath.lastIndexOf('/'));
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl) were not found in $WICKR_PG_BIN, ' +
      '/usr/lib/postgresql/<version>/bin or on PATH. The test suite runs every storage test ' +
      'against PostgreSQL too: install the PostgreSQL server (e.g. apt-get install postgresql-15), ' +
      'or point WICKR_TEST_POSTGRES_URL at a server you run yourself ' +
      '(postgres://user:pass@127.0.0.1:5432/db; the user must be allowed to create databases).',
  );
}

/** The OS user the server runs as: ourselves, or an unprivileged one when we are root. */
function serverUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (r.status === 0 && g.status === 0) {
      return { name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
    }
  }
  throw new Error(
    'Running as root, but there is neither a "postgres" nor a "nobody" OS user to run the ' +
      'PostgreSQL server as (PostgreSQL refuses to run as root).',
  );
}

const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** The command line that runs `file args` as `user` (when given). */
function asUser(user, file, args) {
  if (!user) return [file, ...args];
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser')) {
    return ['runuser', '-u', user.name, '--', file, ...args];
  }
  return ['su', user.name, '-s', '/bin/sh', '-c', [file, ...args].map(quote).join(' ')];
}

/** Runs a PostgreSQL binary, as `user` when given; throws with its output on failure. */
function run(user, file, args, cwd) {
  const [command, ...argv] = asUser(user, file, args);
  const r = spawnSync(command, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const err = new Error(
      `${[file, ...args].join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`,
    );
    err.output = `${r.stdout}${r.stderr}`;
    throw err;
  }
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a fresh cluster. Resolves to `{ url, port, dir, bin }`, where `url` names a database
 * (`wickr_test`) owned by the superuser `postgres`; pass the same object to stopPostgres().
 */
export async function startPostgres(options = {}) {
  const bin = options.bin ?? findPostgresBin();
  const user = serverUser();
  const dir = mkdtempSync(join(options.tmpDir ?? tmpdir(), 'wickr-pg-'));
  const handle = { url: '', port: 0, dir, bin, user, started: false };
  try {
    if (user) chownSync(dir, user.uid, user.gid);
    const data = join(dir, 'data');
    run(
      user,
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      dir,
    );
    // A port found free may be taken before the server binds it: try a few.
    let lastError;
    for (let attempt = 0; attempt < 5 && !handle.started; attempt++) {
      const port = await freePort();
      const settings = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c max_connections=300',
        // Throwaway data: durability buys nothing here, speed does.
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' ');
      try {
        run(
          user,
          join(bin, 'pg_ctl'),
          ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', settings, 'start'],
          dir,
        );
        handle.port = port;
        handle.started = true;
      } catch (e) {
        lastError = e;
      }
    }
    if (!handle.started) {
      const log = existsSync(join(dir, 'server.log'))
        ? readFileSync(join(dir, 'server.log'), 'utf8').split('\n').slice(-20).join('\n')
        : '';
      throw new Error(`Could not start PostgreSQL: ${lastError?.message ?? ''}\n${log}`);
    }
    // If this process dies without stopping the cluster (SIGKILL, a crash), a detached watchdog
    // stops it and removes its directory, so no server outlives its test run.
    const stop = asUser(user, join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    const watchdog = spawn(
      'sh',
      [
        '-c',
        `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
          `${stop.map(quote).join(' ')} >/dev/null 2>&1; rm -rf ${quote(dir)}`,
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
    handle.watchdog = watchdog.pid;
    const admin = `postgres://postgres@127.0.0.1:${handle.port}/postgres`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await client.end();
    }
    handle.url = `postgres://postgres@127.0.0.1:${handle.port}/${DATABASE}`;
    return handle;
  } catch (e) {
    stopPostgres(handle);
    throw e;
  }
}

/**
 * Restarts a cluster started by startPostgres() (`pg_ctl restart`, same port and settings) and
 * resolves once it accepts connections again. Asynchronous, so that a test's clients keep
 * sending meanwhile. `mode`: `fast` (the default) ends every session, rolling back open
 * transactions, as an operator's restart does; `immediate` is a crash.
 */
export function restartPostgres(handle, mode = 'fast') {
  const data = join(handle.dir, 'data');
  const args = [
    '-D',
    data,
    '-l',
    join(handle.dir, 'server.log'),
    '-m',
    mode,
    '-w',
    '-t',
    '60',
    'restart',
  ];
  const [command, ...argv] = asUser(handle.user, join(handle.bin, 'pg_ctl'), args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: handle.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`pg_ctl restart failed (exit ${code}):\n${output}`)),
    );
  });
}

/**
 * Stops a cluster started by startPostgres() and deletes its directory. Synchronous (so it
 * can run from an 'exit' handler) and idempotent.
 */
export function stopPostgres(handle) {
  if (!handle || handle.stopped) return;
  handle.stopped = true;
  if (handle.started) {
    try {
      run(
        handle.user,
        join(handle.bin, 'pg_ctl'),
        ['-D', join(handle.dir, 'data'), '-m', 'immediate', '-w', '-t', '30', 'stop'],
        handle.dir,
      );
    } catch (e) {
      process.stderr.write(`Could not stop PostgreSQL in ${handle.dir}: ${e.message}\n`);
      return;
    }
  }
  rmSync(handle.dir, { recursive: true, force: true });
  if (handle.watchdog) {
    try {
      process.kill(handle.watchdog);
    } catch {
      // Already gone.
    }
  }
}

/**
 * A database of its own for one test file or benchmark, on the server named by `baseUrl`
 * (default $WICKR_TEST_POSTGRES_URL). Resolves to `{ url, drop() }`.
 */
export async function createTestDatabase(baseUrl = process.env.WICKR_TEST_POSTGRES_URL) {
  if (!baseUrl) {
    throw new Error('WICKR_TEST_POSTGRES_URL is not set: run the tests with `npm test`.');
  }
  const name = `wickr_t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
