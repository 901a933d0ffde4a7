// The server under test, as a separate process started from this checkout, so that its
// memory can be read from /proc and its CPU is not shared with the load generator's event loop.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACCOUNT_ID, CREDENTIALS } from './client.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The CLI the server is run from unless a run names another build (before/after runs). */
export const DEFAULT_SERVER_CLI = join(ROOT, 'bin', 'wickr-admin');

/** The build `serverCli` runs from (its dist/ directory), whose migrations define the schema. */
export function serverBuild(serverCli = DEFAULT_SERVER_CLI) {
  return serverCli === DEFAULT_SERVER_CLI ? join(ROOT, 'dist') : join(dirname(serverCli), '..');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM (peak) of a process in bytes, or undefined once it has gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * Reads a SQLite file once, so that the OS page cache holds it before the server starts, as
 * it would for a server that has run a while. Without it the first run on the 1M-user file
 * measured the disk: 43 req/s on a lookup that answers 3,000/s once the file is cached.
 */
const warmed = new Set();

function warmFile(databaseUrl) {
  if (!databaseUrl.startsWith('sqlite:') || databaseUrl === 'sqlite::memory:') return;
  const path = databaseUrl.slice('sqlite:'.length);
  // Once per version of a file in a run: the start scenario restarts on the same 1M file.
  let version;
  try {
    const st = statSync(path);
    version = `${path}\n${st.size}\n${st.mtimeMs}`;
  } catch {
    return;
  }
  if (warmed.has(version)) return;
  warmed.add(version);
  const buf = Buffer.allocUnsafe(8 << 20);
  for (const suffix of ['', '-wal']) {
    let fd;
    try {
      fd = openSync(path + suffix, 'r');
    } catch {
      continue;
    }
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

/** The Node flags on a script's `#!/usr/bin/env -S node <flags>` line (none for `env node`). */
export function shebangFlags(script) {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env\s+-S\s+node\s+(.*)$/.exec(first);
  return m ? m[1].trim().split(/\s+/) : [];
}

/**
 * Starts `wickr-admin serve` on a free loopback port and waits until /health answers.
 * Resolves to { pid, endpoint, startMs, memory(), stop() }; startMs is spawn → first 200.
 */
export async function startServer(
  databaseUrl,
  { extraArgs = [], env = {}, nodeArgs = [], timeoutMs = 60_000, script = DEFAULT_SERVER_CLI } = {},
) {
  const port = await freePort();
  warmFile(databaseUrl);
  // Node's flags as `wickr-admin` runs it (its shebang), since the harness starts it with node.
  nodeArgs = [...shebangFlags(script), ...nodeArgs];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs, script, 'serve', '--port', String(port), '--database', databaseUrl, ...extraArgs],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        WICKR_ROOT_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        WICKR_ROOT_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        WICKR_ACCOUNT_ID: ACCOUNT_ID,
        // The server's own default log level (info: a line per request), as users run it,
        // unless a run asks for another (--log-level, the lookup-log scenario).
        WICKR_RATE_LIMIT_RPS: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The last ~20 kB of output, for an error message: chunks kept as they came (the request
  // log at info is megabytes a second, read in the same process as the load generator).
  const tail = [];
  let tailBytes = 0;
  const keep = (d) => {
    tail.push(d);
    tailBytes += d.length;
    while (tailBytes - tail[0].length > 20_000) tailBytes -= tail.shift().length;
  };
  const output = () => Buffer.concat(tail).toString('utf8').slice(-20_000);
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve((exited = { code, signal }))),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  // Polled every 5 ms: the start-up time is itself a measured figure.
  for (;;) {
    if (exited)
      throw new Error(`The server exited during start (${JSON.stringify(exited)}):\n${output()}`);
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`The server did not answer /health within ${timeoutMs} ms:\n${output()}`);
    }
    try {
      const res = await fetch(`${endpoint}/health`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const startMs = performance.now() - started;
  return {
    pid: child.pid,
    endpoint,
    port,
    startMs,
    output,
    memory: () => memoryOf(child.pid),
    async stop() {
      if (exited) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const r = await exit;
      clearTimeout(timer);
      return r;
    },
  };
}
