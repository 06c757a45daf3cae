import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start brokers, Xvfb and Chromium: keep them from fighting for the 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    // English in every test (and every app a test starts) unless the test asks for another language: the
    // machine's locale must not leak in.
    env: { LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '' },
  },
});
