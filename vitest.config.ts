import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'reports/**'],
    // Scenario tests run real hubs, proxies and fleets over loopback; a loaded
    // 2-core CI machine needs room, and no test relies on tight timing.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Most files wait on real sockets and timers rather than compute, so three
    // at a time fit two cores (npm test takes about 3 minutes, not 4.5); every
    // file at once makes timing-sensitive scenario checks noisy. A run whose
    // harness does fall behind says so (event-loop-lag: invalid), and the
    // tests accept that, never a hub check failing.
    maxWorkers: 3,
  },
});
