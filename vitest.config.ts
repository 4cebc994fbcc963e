import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // End-to-end tests spawn the CLI and wait for notifications; on a shared 2-core machine under
    // load a healthy one took over 60 s, so the limit leaves room for noise, not for hangs.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // End-to-end suites each start a local cloud; two cores cannot run many at once.
    maxWorkers: 2,
  },
});
