#!/usr/bin/env node
// `npm run build` (also run by `npm ci` through `prepare`, by `npm pack` and by `npm test`):
// compiles src/ to dist/, bundles the CLI (scripts/bundle.mjs) and builds the console (web/,
// Vite), then stamps dist/ with the time the build started. `npm start` builds again only when
// an input is newer than that stamp (scripts/build-if-changed.mjs): without the stamp, the first
// start after `npm ci` rebuilt everything.
import { spawnSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const STAMP = join('dist', '.build-stamp');

const STEPS = [
  ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
  ['scripts/bundle.mjs'],
  ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts'],
];

/** Runs every step; returns the first failing exit code, or 0 once dist/ is stamped. */
export function build() {
  const started = Date.now();
  for (const argv of STEPS) {
    const r = spawnSync(process.execPath, argv, { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) return r.status ?? 1;
  }
  // Stamped with the time the build started: an edit made during the build builds again.
  const stamp = join(ROOT, STAMP);
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  utimesSync(stamp, new Date(started), new Date(started));
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = build();
