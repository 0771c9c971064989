/**
 * A scenario of your own, outside scenarios/: run it with
 *
 *   npm run scenario ./examples/my-scenario.ts -- --duration 10s
 *
 * or from a test with runScenario('./examples/my-scenario.ts').
 */
import { defineScenario } from 'edge-chaos';

export default defineScenario({
  name: 'slow-branch-office',
  description: 'A third of the fleet sits behind a 300 ms link for the middle half of the run: nobody drops, every command still arrives once',
  defaults: { agents: 6, durationMs: 12_000 },
  groups: [{ name: 'branch', share: 1 / 3 }],
  traffic: { commandIntervalMs: 500 },
  // Relative to the steady phase, scaled with --duration.
  faults: ({ durationMs }) => [{ name: 'slow-link', atMs: durationMs * 0.25, durationMs: durationMs * 0.5, group: 'branch', fault: { kind: 'latency', latencyMs: 300 } }],
  checks: ({ durationMs }) => ({
    connectionLoop: {},
    reconnects: { maxPerAgent: 0 },
    connectionDurations: { minP50Ms: durationMs / 2 },
    commandDelivery: {},
  }),
});
