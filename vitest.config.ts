import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'reports/**'],
    // Scenario tests run real hubs, proxies and fleets over loopback; a loaded
    // 2-core CI machine needs room, and no test relies on tight timing.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Several suites start many sockets; running every file at once on two
    // cores makes timing-sensitive scenario checks noisy.
    maxWorkers: 2,
  },
});
