import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // examples/ import the package by name, as a user's tests do: here that is
  // the sources (tsconfig.json "paths" says the same to tsc and tsx), where
  // "exports" would send it to dist/, which a fresh clone has not built.
  resolve: {
    alias: [
      { find: /^edge-chaos$/, replacement: fileURLToPath(new URL('./harness/index.ts', import.meta.url)) },
      { find: /^edge-chaos\/vitest$/, replacement: fileURLToPath(new URL('./harness/vitest/setup.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['**/*.test.ts'],
    // scripts/package-consumer/ is the consumer project npm run test:package installs the tarball into.
    exclude: ['node_modules/**', 'dist/**', 'reports/**', 'scripts/package-consumer/**'],
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
