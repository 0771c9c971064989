import { defineScenario } from '../harness/scenario/index.ts';

/**
 * A half-open link: traffic is silently dropped and nothing closes. Agents
 * must notice within 2.5 ping intervals, poll (which fails too), and come
 * back once the link heals.
 */
export default defineScenario({
  name: 'half-open',
  description: 'Half the fleet behind a blackhole (data dropped, nothing closed): agents detect the dead link within 2.5 ping intervals and recover after heal',
  defaults: { agents: 10, durationMs: 30_000 },
  hub: { pingIntervalMs: 2_000 },
  agent: { backoff: { maxMs: 5_000 } },
  groups: [{ name: 'silent', share: 0.5 }],
  traffic: { commandIntervalMs: 1_000 },
  faults: ({ durationMs }) => [{ name: 'blackhole', atMs: durationMs * 0.2, durationMs: durationMs * 0.4, group: 'silent', fault: { kind: 'blackhole' } }],
  // pingIntervalMs is the interval the agents assume: the scenario's, or --hub-ping-interval's for a --hub-url hub.
  checks: ({ pingIntervalMs }) => ({
    hubHealth: {},
    faultEffect: {},
    // 2.5 intervals after the last ping heard, which came at most one interval before the fault: plus slack for a loaded machine.
    deadDetection: { withinMs: 2.5 * pingIntervalMs + 2_000 },
    recovery: { withinMs: 12_000 },
    connectionLoop: {},
    commandDelivery: {},
    reconnectStorm: { minBackoffMs: 1_000 },
    // The other half never goes silent: a hub that never pings gets those links dropped too.
    liveness: { pingIntervalMs },
  }),
});
