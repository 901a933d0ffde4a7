#!/usr/bin/env node
// `npm start`'s prestart: builds dist/ only when a build input changed since the last build it
// made (a stamp file in dist/), so starting again without changes starts at once.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const STAMP = join('dist', '.build-stamp');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** The newest modification time under `path` (directories count: a deleted file moves theirs). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const entry of readdirSync(path)) t = Math.max(t, newest(join(path, entry)));
  return t;
}

/** Whether `root`'s dist/ is missing, or older than any build input. */
export function needsBuild(root) {
  const stamp = join(root, STAMP);
  if (!existsSync(stamp) || !existsSync(join(root, 'dist', 'cli', 'main.js'))) return true;
  if (!existsSync(join(root, 'dist', 'wickr-admin.mjs'))) return true;
  const built = statSync(stamp).mtimeMs;
  return INPUTS.some((p) => newest(join(root, p)) > built);
}

function main() {
  if (!needsBuild(ROOT)) return;
  process.stderr.write('building (a source file changed since the last build)\n');
  const started = Date.now();
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // Stamped with the time the build started: an edit made during the build builds again.
  const stamp = join(ROOT, STAMP);
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  utimesSync(stamp, new Date(started), new Date(started));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
