import { defineScenario } from '../harness/scenario/index.ts';

/**
 * The incident's own test plan, "push, wait for the redeploy, watch the
 * client logs", as a check: graceful redeploys under steady command traffic.
 */
export default defineScenario({
  name: 'redeploy',
  description: 'Two graceful hub redeploys (1012, 3 s down) under steady commands, one while 30% of agents are offline with commands queued for them: 95%/100% back in time, polling used while down, every command delivered once',
  defaults: { agents: 10, durationMs: 30_000 },
  agent: { backoff: { maxMs: 5_000 }, pollIntervalMs: 500 },
  traffic: { commandIntervalMs: 250 },
  // Commands for agents that are offline wait in the hub's queue: the first
  // redeploy happens while they do, so a hub that keeps its queue only in
  // memory (--defect volatile-queue) loses them, and the delivery check says which.
  groups: [{ name: 'offline', share: 0.3 }],
  // Each disruption leaves the backoff ceiling (5 s) plus slack before the next, so recovery is judged, not cut short.
  faults: ({ durationMs }) => [{ name: 'offline', atMs: durationMs * 0.1, durationMs: durationMs * 0.3, group: 'offline', fault: { kind: 'partition' } }],
  redeploys: ({ durationMs }) => [
    { name: 'deploy-1', atMs: durationMs * 0.25, kind: 'graceful', downMs: 3_000 },
    { name: 'deploy-2', atMs: durationMs * 0.7, kind: 'graceful', downMs: 3_000 },
  ],
  checks: {
    hubHealth: {},
    faultEffect: {},
    // Back within the backoff ceiling (5 s) after the new hub is up, plus slack for a loaded machine.
    recovery: { percent: 100, withinMs: 10_000, earlier: { percent: 95, withinMs: 7_000 } },
    pollingFallback: {},
    commandDelivery: {},
    connectionLoop: {},
    reconnectStorm: { minBackoffMs: 1_000 },
  },
});
