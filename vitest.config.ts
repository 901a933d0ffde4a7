import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'data/**'],
    // Each file in its own child process: native modules (better-sqlite3) and servers on
    // loopback ports stay isolated between files.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // A focused test (.only) would silently skip the rest of the suite: refuse it.
    allowOnly: false,
    passWithNoTests: false,
  },
});
