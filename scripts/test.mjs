#!/usr/bin/env node
// `npm test`: build, make sure a PostgreSQL server is available, then run Vitest (test/**/*.test.ts)
// and pytest (test/conformance, boto3 and the AWS CLI against a real server).
//
//   npm test                              both runners
//   npm test -- --only vitest [args...]   Vitest only; further args go to `vitest run`
//   npm test -- --only pytest [args...]   pytest only; further args go to pytest
//
// PostgreSQL: WICKR_TEST_POSTGRES_URL when set, otherwise a throwaway cluster started here
// (test/support/postgres.mjs) and always stopped again. Exits non-zero when any runner fails.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, stopPostgres } from '../test/support/postgres.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNNERS = ['vitest', 'pytest'];

function usage(message) {
  process.stderr.write(`${message}\nusage: npm test [-- --only vitest|pytest [runner args...]]\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let only;
const runnerArgs = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--only' || a.startsWith('--only=')) {
    only = a === '--only' ? argv[++i] : a.slice('--only='.length);
    if (!RUNNERS.includes(only)) usage(`--only takes one of: ${RUNNERS.join(', ')}`);
  } else {
    runnerArgs.push(a);
  }
}
if (runnerArgs.length > 0 && !only) {
  usage(`Arguments (${runnerArgs.join(' ')}) go to one runner: choose it with --only.`);
}

/** Python test files under test/conformance (test_*.py or *_test.py), at any depth. */
function hasConformanceTests(dir = join(root, 'test', 'conformance')) {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { withFileTypes: true }).some((e) =>
    e.isDirectory()
      ? e.name !== '__pycache__' && hasConformanceTests(join(dir, e.name))
      : /^test_.*\.py$|_test\.py$/.test(e.name),
  );
}

let child;
let interrupted;

function runStep(command, args, env = process.env) {
  return new Promise((resolve) => {
    process.stdout.write(`\n$ ${[command, ...args].join(' ')}\n`);
    child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    child.on('error', (err) => {
      process.stderr.write(`Could not run ${command}: ${err.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      child = undefined;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

let cluster;
const cleanup = () => stopPostgres(cluster);
process.on('exit', cleanup);
for (const [signal, number] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
]) {
  process.on(signal, () => {
    if (interrupted) {
      // A second signal: stop waiting for the runner.
      cleanup();
      process.exit(128 + number);
    }
    interrupted = 128 + number;
    if (child) child.kill(signal);
    else {
      cleanup();
      process.exit(interrupted);
    }
  });
}

const runVitest = !only || only === 'vitest';
let runPytest = !only || only === 'pytest';
if (runPytest && !hasConformanceTests()) {
  if (only === 'pytest') {
    process.stderr.write('There are no conformance tests (test/conformance/test_*.py) to run.\n');
    process.exit(1);
  }
  process.stdout.write('pytest: no test files in test/conformance, nothing to run there.\n');
  runPytest = false;
}

const results = [];
try {
  const built = await runStep('npm', ['run', 'build']);
  if (built !== 0 || interrupted) {
    process.stderr.write('\nThe build failed; no tests were run.\n');
    process.exit(interrupted ?? built);
  }

  // Every response the suites produce is checked against its operation's output shape.
  const env = { ...process.env, WICKR_CHECK_RESPONSES: '1' };
  if (env.WICKR_TEST_POSTGRES_URL) {
    process.stdout.write('\nPostgreSQL: using WICKR_TEST_POSTGRES_URL from the environment.\n');
  } else {
    const started = Date.now();
    cluster = await startPostgres();
    env.WICKR_TEST_POSTGRES_URL = cluster.url;
    process.stdout.write(
      `\nPostgreSQL: started a throwaway cluster at ${cluster.url} (${Date.now() - started} ms).\n`,
    );
  }

  if (runVitest && !interrupted) {
    const bin = join(root, 'node_modules', 'vitest', 'vitest.mjs');
    results.push(['vitest', await runStep(process.execPath, [bin, 'run', ...runnerArgs], env)]);
  }
  if (runPytest && !interrupted) {
    const args = [
      '-m',
      'pytest',
      'test/conformance',
      '-q',
      '-p',
      'no:cacheprovider',
      ...runnerArgs,
    ];
    results.push(['pytest', await runStep('python3', args, env)]);
  }
} catch (err) {
  process.stderr.write(`\n${err instanceof Error ? err.message : String(err)}\n`);
  cleanup();
  process.exit(1);
}

cleanup();
process.stdout.write('\n');
for (const [name, code] of results) {
  process.stdout.write(`${name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`}\n`);
}
if (interrupted) process.exit(interrupted);
process.exit(results.every(([, code]) => code === 0) ? 0 : 1);
