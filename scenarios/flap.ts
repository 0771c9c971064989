import { defineScenario } from '../harness/scenario/index.ts';

/**
 * A flapping link: down 2 s out of every 6 s. Reconnects must stay bounded by
 * the backoff, and the loop detector must blame these short connections on
 * the network, not on the hub.
 */
export default defineScenario({
  name: 'flap',
  description: 'The link flaps (down 2 s of every 6 s) for 60% of the run: no reconnect storm, and no false connection-loop alarm',
  defaults: { agents: 10, durationMs: 30_000 },
  agent: { backoff: { maxMs: 5_000 } },
  traffic: { commandIntervalMs: 1_000 },
  faults: ({ durationMs }) => [{ name: 'flap', atMs: durationMs * 0.15, durationMs: durationMs * 0.6, fault: { kind: 'flap', periodMs: 6_000, downMs: 2_000 } }],
  checks: {
    hubHealth: {},
    faultEffect: {},
    reconnectStorm: { minBackoffMs: 1_000 },
    connectionLoop: {},
    recovery: { withinMs: 10_000 },
    commandDelivery: {},
  },
});
