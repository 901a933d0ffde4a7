// One benchmark run: its settings, the networks it seeded, the servers it starts, and what it
// measured. Every scenario (bench/scenarios/<name>.mjs) receives this object; nothing is kept
// in module-level state, so two runs in one process would not see each other.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startCeiling } from './ceiling.mjs';
import { runLoad } from './load.mjs';
import { sizeLabel } from './report.mjs';
import { postgresNetwork, query, sqliteNetwork, TMP } from './seed.mjs';
import { DEFAULT_SERVER_CLI, startServer } from './server.mjs';
import { seededRandom } from '../../dist/random.js';

export const BATCH = 50;

export const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

export const median = (xs) => {
  const v = xs.filter((x) => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const h = Math.floor(v.length / 2);
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};

/** 100k if measured, else the middle size: the size the write scenarios and targets use. */
export const primaryOf = (xs) =>
  xs.includes(100_000) ? 100_000 : xs[Math.floor((xs.length - 1) / 2)];

/** A deterministic PRNG (mulberry32, the server's own), so a run's request pools are reproducible. */
export const rng = seededRandom;

const CLK_TCK =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time (user + system) of a process in microseconds, from /proc. */
export function cpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * For a comparison of a few per cent between two servers in the same rounds (the lookup
 * against its reference, info against silent): three times the rounds, each a third as long
 * (at least 2 s), so the median of the per-round ratios is not one noisy round's.
 */
export function fineRounds(run) {
  const { repeats, duration } = run.settings;
  return { rounds: repeats * 3, seconds: Math.max(2, duration / 3) };
}

export class BenchRun {
  /**
   * @param settings { engines, sizes, pgSizes, duration, warmup, repeats, connections?,
   *   importRows, profile, serverCli?, logLevel? }
   */
  constructor(settings) {
    this.settings = settings;
    this.serverCli = settings.serverCli ?? DEFAULT_SERVER_CLI;
    /** Distinguishes this run's fresh usernames from earlier runs' on a cached database. */
    this.runTag = Date.now().toString(36);
    this.results = [];
    this.notes = [];
    this.profiles = [];
    this.pgNetworks = new Map();
    this.pgHandle = undefined;
  }

  sizesFor(engine) {
    return engine === 'postgres' ? this.settings.pgSizes : this.settings.sizes;
  }

  /** The scenario's default connection count unless --connections overrides it. */
  conns(dflt) {
    return this.settings.connections ?? dflt;
  }

  record(result) {
    this.results.push(result);
  }

  note(text) {
    this.notes.push(text);
  }

  // ---------- engines and networks ----------

  async postgres() {
    if (this.pgHandle) return this.pgHandle;
    const { startPostgres, stopPostgres } = await import('../../test/support/postgres.mjs');
    log('starting a throwaway PostgreSQL cluster (loopback only)');
    this.pgHandle = await startPostgres();
    const handle = this.pgHandle;
    const stop = () => stopPostgres(handle);
    process.on('exit', stop);
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.on(sig, () => {
        stop();
        process.exit(130);
      });
    }
    return handle;
  }

  /** The network of `size` users on `engine` (read-mostly scenarios share it). */
  async network(engine, size) {
    if (engine === 'sqlite') {
      const net = await sqliteNetwork(size, { log, serverCli: this.serverCli });
      if (!net.cached)
        log(
          `seeded sqlite ${sizeLabel(size)} in ${net.seedSeconds.toFixed(1)} s (cached in ${net.file})`,
        );
      return net;
    }
    if (!this.pgNetworks.has(size)) {
      const pg = await this.postgres();
      const { createTestDatabase } = await import('../../test/support/postgres.mjs');
      const db = await createTestDatabase(pg.url);
      const net = await postgresNetwork(db.url, size, { log, serverCli: this.serverCli });
      log(`seeded postgres ${sizeLabel(size)} in ${net.seedSeconds.toFixed(1)} s`);
      this.pgNetworks.set(size, net);
    }
    return this.pgNetworks.get(size);
  }

  /** A private copy of a network for a scenario that changes it (SQLite: a file copy). */
  async scratchNetwork(engine, size, name) {
    const net = await this.network(engine, size);
    if (engine !== 'sqlite') return net;
    const file = join(TMP, `work-${name}-${size}.db`);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    copyFileSync(net.file, file);
    return { ...net, file, url: `sqlite:${file}` };
  }

  /** Rows of a table in the scenario's network matching a fixed condition (from the caller). */
  async countRows(net, table, condition) {
    const rows = await query(
      net,
      `SELECT count(*) AS n FROM ${table} WHERE network_id = $1 AND ${condition}`,
      [net.networkId],
    );
    return Number(rows[0].n);
  }

  /** The log level servers run at: their own default (info) unless --log-level says. */
  logEnv() {
    return this.settings.logLevel ? { WICKR_LOG_LEVEL: this.settings.logLevel } : {};
  }

  // ---------- measuring ----------

  /** Runs `fn(server)` against a server started on `net` (with `env`, from `script`). */
  async withServer(net, fn, env = {}, script = undefined) {
    const { profile } = this.settings;
    const profileDir = join(TMP, 'profiles');
    const server = await startServer(net.url, {
      nodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      env: { ...this.logEnv(), ...env },
      script: script ?? this.serverCli,
    });
    const before = new Set(profile && existsSync(profileDir) ? readdirSync(profileDir) : []);
    try {
      return await fn(server);
    } finally {
      const code = await server.stop();
      if (code?.code && code.code !== 0)
        log(`server exited with ${JSON.stringify(code)}:\n${server.output()}`);
      if (profile) {
        const fresh = readdirSync(profileDir).filter((f) => !before.has(f));
        for (const f of fresh) this.profiles.push({ server: net.url, file: join(profileDir, f) });
      }
    }
  }

  /**
   * Measures `source` against the server and against the ceiling: warm-up, then `repeats`
   * alternating runs. `check(json)` validates the recorded response. With `reference` (an
   * async function starting a bare server that answers the same requests, e.g. the
   * lookup-minimal one), each round also runs it, between ours and the ceiling, and its answer
   * to the recorded request must be the same bytes; ours and the reference take turns to go
   * first (a drift in the machine's load favours neither), and the per-round ratios of their
   * throughput, CPU and p50 are reported (medians). A reference that brings its own `source`
   * (another network: the lookup at its smallest size against its largest) answers its own
   * requests, its recorded answer checked by `check`. `rounds` and `seconds` override the run's
   * repeats and duration (more, shorter rounds for a small difference). With `together`, ours
   * and the reference run at the same time in each round (each with its own connections), so
   * both meet the same load of the machine at the same moment: for a difference of a few per
   * cent, which the machine's load swings between runs seconds apart would hide. Returns
   * medians and runs.
   */
  async measure(
    name,
    server,
    source,
    { connections, check, capture, reference, rounds, seconds, together = false },
  ) {
    const { warmup } = this.settings;
    const repeats = rounds ?? this.settings.repeats;
    const duration = seconds ?? this.settings.duration;
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
      throw new Error(
        `${name}: the recorded request answered ${res.status}: ${text.slice(0, 400)}`,
      );
    check?.(JSON.parse(text));
    const recorded = { status: 200, contentType: res.headers.get('content-type'), body: text };
    let okTotal = 1;

    const ceiling = await startCeiling(name, recorded);
    const ref = reference ? await reference() : undefined;
    const replay = source.replay();
    const refReplay = ref?.source ?? source.replay();
    /** A load run against a bare server, with its CPU per answered request. */
    const bare = async (srv, src, seconds) => {
      const cpu0 = cpuMicros(srv.pid);
      const load = await runLoad({ url: srv.url, source: src, connections, duration: seconds });
      return { load, cpuUsPerRequest: load.ok ? (cpuMicros(srv.pid) - cpu0) / load.ok : NaN };
    };
    try {
      if (ref?.source) {
        const r = await rawRequest(ref.url, ref.source.pool[0]);
        if (r.status !== 200)
          throw new Error(`${name}: the reference answered ${r.status}: ${r.body.slice(0, 300)}`);
        check?.(JSON.parse(r.body));
      } else if (ref) {
        // node:http, not fetch: the request's Host header (the server's) is sent as signed.
        const r = await rawRequest(ref.url, req);
        const refText = r.body;
        if (r.status !== 200 || refText !== text)
          throw new Error(
            `${name}: the reference answered ${r.status} with other bytes than the server: ${refText.slice(0, 300)}`,
          );
      }
      if (warmup > 0) {
        okTotal += (await runLoad({ url: server.endpoint, source, connections, duration: warmup }))
          .ok;
        if (ref) await bare(ref, refReplay, warmup);
        await bare(ceiling, replay, warmup);
      }
      const runs = [];
      for (let i = 0; i < repeats; i++) {
        const alongside = ref && together ? bare(ref, refReplay, duration) : undefined;
        const refFirst =
          ref && !together && i % 2 === 1 ? await bare(ref, refReplay, duration) : undefined;
        const cpu0 = cpuMicros(server.pid);
        const ours = await runLoad({ url: server.endpoint, source, connections, duration });
        const cpu = cpuMicros(server.pid) - cpu0;
        const refTogether = await alongside;
        okTotal += ours.ok;
        if (ours.totalErrors > 0) await explainErrors(name, server, source);
        const rf =
          refTogether ?? refFirst ?? (ref ? await bare(ref, refReplay, duration) : undefined);
        const ceil = await bare(ceiling, replay, duration);
        runs.push({
          ours,
          ceiling: ceil.load,
          cpuUsPerRequest: ours.ok ? cpu / ours.ok : NaN,
          ceilingCpuUsPerRequest: ceil.cpuUsPerRequest,
          ...(rf ? { reference: rf.load, referenceCpuUsPerRequest: rf.cpuUsPerRequest } : {}),
        });
        log(
          `${name} run ${i + 1}/${repeats}: ${ours.rps.toFixed(0)} req/s, p50 ${ours.latency.p50.toFixed(2)} ms, p99 ${ours.latency.p99.toFixed(2)} ms, ` +
            `${(cpu / ours.ok).toFixed(0)} µs/req, errors ${ours.totalErrors}` +
            (rf
              ? `; reference ${rf.load.rps.toFixed(0)} req/s, ${rf.cpuUsPerRequest.toFixed(0)} µs/req, errors ${rf.load.totalErrors}`
              : '') +
            `; ceiling ${ceil.load.rps.toFixed(0)} req/s, ${ceil.cpuUsPerRequest.toFixed(0)} µs/req`,
        );
      }
      const refFigures = ref
        ? {
            reference: {
              rps: median(runs.map((r) => r.reference.rps)),
              ratio: median(runs.map((r) => r.reference.rps / r.ceiling.rps)),
              p50: median(runs.map((r) => r.reference.latency.p50)),
              p99: median(runs.map((r) => r.reference.latency.p99)),
              errors: runs.reduce((a, r) => a + r.reference.totalErrors, 0),
              cpuUsPerRequest: median(runs.map((r) => r.referenceCpuUsPerRequest)),
            },
            // Per round, then the median: the rounds share the machine's load of the moment.
            cpuVsReference: median(runs.map((r) => r.cpuUsPerRequest / r.referenceCpuUsPerRequest)),
            rpsVsReference: median(runs.map((r) => r.ours.rps / r.reference.rps)),
            p50VsReference: median(runs.map((r) => r.ours.latency.p50 / r.reference.latency.p50)),
          }
        : {};
      return {
        ...refFigures,
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
      await ref?.stop();
    }
  }
}

/** Sends a prepared request as it is (its own Host header); resolves to {status, body}. */
function rawRequest(base, req) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { host: u.hostname, port: u.port, method: req.method, path: req.path, headers: req.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
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

/** The write scenarios run at the primary size on SQLite, unless only PostgreSQL was asked for. */
export function writePlan(run, engine) {
  return engine === 'sqlite' || run.settings.engines.length === 1
    ? [primaryOf(run.sizesFor(engine))]
    : [];
}

/** The largest size measured on `engine`. */
export const largestOf = (run, engine) => run.sizesFor(engine)[run.sizesFor(engine).length - 1];
