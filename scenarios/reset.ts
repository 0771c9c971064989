import { defineScenario } from '../harness/scenario/index.ts';

/** Connections reset by peer (TCP RST): agents back off with jitter and recover. */
export default defineScenario({
  name: 'reset',
  description: '30% of agents get TCP resets 1.5 s into every connection for 40% of the run: they back off with jitter (no storm) and recover after heal',
  defaults: { agents: 10, durationMs: 30_000 },
  // reset_peer acts on a connection's next data: pings every 2 s make sure open connections carry some.
  hub: { pingIntervalMs: 2_000 },
  agent: { backoff: { maxMs: 5_000 } },
  groups: [{ name: 'reset', share: 0.3 }],
  traffic: { commandIntervalMs: 1_000 },
  faults: ({ durationMs }) => [{ name: 'reset-peer', atMs: durationMs * 0.2, durationMs: durationMs * 0.4, group: 'reset', fault: { kind: 'reset', resetAfterMs: 1_500 } }],
  checks: ({ pingIntervalMs }) => ({
    hubHealth: {},
    faultEffect: {},
    reconnectStorm: { minBackoffMs: 1_000 },
    recovery: { withinMs: 10_000 },
    connectionLoop: {},
    commandDelivery: {},
    // The hub keeps the interval it was told (or the one --hub-ping-interval says it keeps).
    liveness: { pingIntervalMs },
  }),
});
