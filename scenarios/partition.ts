import { defineScenario } from '../harness/scenario/index.ts';

/** Part of the fleet cut off entirely: WebSocket and polling both fail until the partition heals. */
export default defineScenario({
  name: 'partition',
  description: '30% of agents cut off (proxy disabled) for 30% of the run: polling fails too; after heal every agent is back within 10 s',
  defaults: { agents: 10, durationMs: 30_000 },
  agent: { backoff: { maxMs: 5_000 } },
  groups: [{ name: 'cut', share: 0.3 }],
  traffic: { commandIntervalMs: 1_000 },
  faults: ({ durationMs }) => [{ name: 'partition', atMs: durationMs * 0.2, durationMs: durationMs * 0.3, group: 'cut', fault: { kind: 'partition' } }],
  checks: {
    hubHealth: {},
    faultEffect: {},
    recovery: { percent: 100, withinMs: 10_000 },
    reconnectStorm: { minBackoffMs: 1_000 },
    connectionLoop: {},
    commandDelivery: {},
  },
});
