import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One server for the whole run, started before any test file and closed after the last.
    globalSetup: ['./global-setup.ts'],
  },
});
