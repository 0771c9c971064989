import { defineScenario } from '../harness/scenario/index.ts';

const PING_INTERVAL_MS = 2_000;

/**
 * A half-open link: traffic is silently dropped and nothing closes. Agents
 * must notice within 2.5 ping intervals, poll (which fails too), and come
 * back once the link heals.
 */
export default defineScenario({
  name: 'half-open',
  description: 'Half the fleet behind a blackhole (data dropped, nothing closed): agents detect the dead link within 2.5 ping intervals and recover after heal',
  defaults: { agents: 10, durationMs: 30_000 },
  hub: { pingIntervalMs: PING_INTERVAL_MS },
  agent: { backoff: { maxMs: 5_000 } },
  groups: [{ name: 'silent', share: 0.5 }],
  traffic: { commandIntervalMs: 1_000 },
  faults: ({ durationMs }) => [{ name: 'blackhole', atMs: durationMs * 0.2, durationMs: durationMs * 0.4, group: 'silent', fault: { kind: 'blackhole' } }],
  checks: {
    hubHealth: {},
    faultEffect: {},
    // 2.5 intervals after the last ping heard, which came at most one interval before the fault: plus slack for a loaded machine.
    deadDetection: { withinMs: 2.5 * PING_INTERVAL_MS + 2_000 },
    recovery: { withinMs: 12_000 },
    connectionLoop: {},
    commandDelivery: {},
    reconnectStorm: { minBackoffMs: 1_000 },
  },
});
