#!/usr/bin/env node
// `npm start`'s prestart: runs the whole build (scripts/build.mjs) only when an input changed
// since the last one (the stamp it writes in dist/), so a start after `npm ci`, or again without
// changes, starts at once.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, STAMP } from './build.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export { STAMP };
const INPUTS = [
  'src',
  'web',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'scripts/build.mjs',
  'scripts/bundle.mjs',
];
/** What the build makes: one of them missing builds again. */
const OUTPUTS = [
  'dist/cli/main.js',
  'dist/index.js',
  'dist/wickr-admin.mjs',
  'dist/console/index.html',
];

/** The newest modification time under `path` (directories count: a deleted file moves theirs). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const entry of readdirSync(path)) t = Math.max(t, newest(join(path, entry)));
  return t;
}

/** Whether `root`'s dist/ is missing, incomplete, or older than any build input. */
export function needsBuild(root) {
  const stamp = join(root, STAMP);
  if (!existsSync(stamp) || OUTPUTS.some((p) => !existsSync(join(root, p)))) return true;
  const built = statSync(stamp).mtimeMs;
  return INPUTS.some((p) => newest(join(root, p)) > built);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && needsBuild(ROOT)) {
  process.stderr.write(
    existsSync(join(ROOT, STAMP))
      ? 'building (a source file changed since the last build)\n'
      : 'building (no build yet)\n',
  );
  process.exitCode = build();
}
