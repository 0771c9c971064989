import { defineScenario } from '../harness/scenario/index.ts';

/**
 * The incident, as a scenario: a fleet connects to the hub and should stay
 * connected. On a sound hub every agent connects once and stays; with the
 * `duplicate-ws-handler` defect every connection is closed with 1000 "New
 * connection established" and the loop detector fails the run.
 */
export default defineScenario({
  name: 'loop',
  description: 'Agents connect and should stay connected; catches connect/disconnect loops like the Nov 2025 incident',
  defaults: { agents: 10, durationMs: 20_000 },
  // Short enough that a run of 10 s can tell a hub that never pings (or pings far slower than it
  // was told) from one that keeps its promise: the liveness check needs connections over 2 intervals.
  hub: { pingIntervalMs: 2_000 },
  traffic: { commandIntervalMs: 1_000 },
  checks: ({ durationMs, pingIntervalMs }) => ({
    hubHealth: {},
    connectionLoop: { minCycles: 3, maxConnectionMs: 5_000 },
    reconnects: { maxPerAgent: 2 },
    // The incident's own yardstick: connections should last, not die in about a second.
    // Half the run, capped at 5 s, so a short run is not failed for being short.
    connectionDurations: { minP50Ms: Math.min(5_000, durationMs / 2) },
    commandDelivery: {},
    hubReplaced: { maxReplaced: 0 },
    hubHandlersPerConnection: {},
    // The hub keeps the interval it was told (or the one --hub-ping-interval says it keeps).
    liveness: { pingIntervalMs },
  }),
});
