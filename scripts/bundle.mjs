#!/usr/bin/env node
// Part of `npm run build`: bundles the compiled CLI (dist/cli/main.js and everything it
// imports) into one file, dist/wickr-admin.mjs, which bin/wickr-admin runs.
//
// Why: Node resolves, reads and links each ES module on its own, and the server's graph is
// about a thousand of them (Kysely alone ships ~280). Loading them was most of a start-up:
// 1.3 s to a first /health answer on the benchmark machine, 0.66 s from the bundle. The
// library entry (dist/index.js) stays unbundled; native and optional database drivers stay
// outside the bundle and load from node_modules as before.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(root, 'dist', 'cli', 'main.js')],
  outfile: join(root, 'dist', 'wickr-admin.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // Native (better-sqlite3) and loaded only for PostgreSQL (pg, its optional pg-native).
  external: ['better-sqlite3', 'pg', 'pg-native'],
  // CommonJS packages inside the bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __wickrRequire } from 'node:module'; const require = __wickrRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
