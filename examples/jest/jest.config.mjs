export default {
  testEnvironment: 'node',
  // The tests are ES modules run as they are (Jest's ESM mode: node --experimental-vm-modules).
  transform: {},
  testMatch: ['**/*.test.mjs'],
  globalSetup: './global-setup.mjs',
  globalTeardown: './global-teardown.mjs',
};
