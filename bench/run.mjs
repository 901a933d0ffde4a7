#!/usr/bin/env node
// `npm run bench`: starts the server from this checkout, seeds networks and drives it with
// autocannon using real SigV4-signed requests; every throughput is measured next to the ceiling
// of a bare node:http server answering the same bytes. Each scenario is a file in
// bench/scenarios/; this file parses the options, runs the plan and writes the report.
// See bench/README.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchRun, log } from './lib/bench-run.mjs';
import { inclusive, summarize } from './lib/profile.mjs';
import {
  latencyChart,
  markdownReport,
  sizeLabel,
  tableRows,
  targetLines,
  textTable,
} from './lib/report.mjs';
import { ROOT } from './lib/server.mjs';
import { SCENARIOS, TARGET_ORDER } from './scenarios/index.mjs';

const NAMES = SCENARIOS.map((s) => s.name);

const HELP = `Usage: npm run bench -- [options]

  --scenario <names|all>   ${NAMES.join(', ')} (comma-separated; default all)
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
  --log-level <level>      the log level of the servers under test (default: the server's own,
                           info: one line per request, as users run it); lookup-log measures
                           info against silent
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
    'log-level': { type: 'string' },
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

const scenarios = opts.scenario === 'all' ? NAMES : opts.scenario.split(',').map((s) => s.trim());
for (const s of scenarios) if (!NAMES.includes(s)) die(`unknown scenario "${s}"`);
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
// Requests are signed before a scenario starts and must stay inside SigV4's 15-minute window.
if (2 * (warmup + repeats * duration) > 12 * 60)
  die(
    '--repeats × --duration is too long for requests signed up front (keep 2 × (warmup + repeats × duration) under 12 minutes)',
  );

// ---------- targets ----------

/** Every scenario's targets, in the report's order; a failed scenario's are "not run". */
function evaluateTargets(run) {
  const find = (scenario, engine, size) =>
    run.results.find(
      (r) =>
        !r.failed &&
        r.scenario === scenario &&
        r.engine === engine &&
        (size === undefined || r.size === size),
    );
  const rank = (s) => {
    const i = TARGET_ORDER.indexOf(s.name);
    return i === -1 ? TARGET_ORDER.length : i;
  };
  return [...SCENARIOS]
    .filter((s) => s.targets)
    .sort((a, b) => rank(a) - rank(b))
    .flatMap((s) => s.targets(find, run));
}

// ---------- main ----------

async function main() {
  if (opts.render) {
    writeReport(resolvePath(opts.render));
    return;
  }
  const started = Date.now();
  const notes = [];
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
  const run = new BenchRun({
    engines,
    sizes,
    pgSizes,
    duration,
    warmup,
    repeats,
    connections: connOverride,
    importRows,
    scenarios,
    profile: opts.profile,
    ...(opts['server-cli'] ? { serverCli: resolvePath(opts['server-cli']) } : {}),
    ...(opts['log-level'] ? { logLevel: opts['log-level'] } : {}),
  });
  for (const n of notes) run.note(n);
  const plan = [];
  for (const engine of engines)
    for (const scenario of SCENARIOS)
      if (scenarios.includes(scenario.name))
        for (const size of scenario.plan(run, engine)) plan.push([scenario, engine, size]);
  for (const [scenario, engine, size] of plan) {
    const name = scenario.name;
    log(`--- ${name} on ${engine}, ${sizeLabel(size)} users`);
    try {
      await scenario.run(run, engine, size);
    } catch (e) {
      log(`${name} on ${engine} failed: ${e.stack ?? e}`);
      run.record({
        scenario: name,
        engine,
        size,
        failed: String(e.message ?? e),
        other: `FAILED: ${String(e.message ?? e).slice(0, 120)}`,
      });
      run.note(
        `${name} on ${engine} (${sizeLabel(size)}) failed: ${String(e.message ?? e).split('\n')[0]}`,
      );
    }
  }
  const { results, profiles } = run;

  const targets = evaluateTargets(run);
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
    logLevel: opts['log-level'] ?? 'info (the default)',
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
  writeFileSync(json, `${JSON.stringify({ meta, targets, results, notes: run.notes }, null, 2)}\n`);
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
