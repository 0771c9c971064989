import { DEFAULT_BACKOFF, backoffCeilingMs, type BackoffOptions } from '../agent/backoff.ts';
import { defineScenario } from '../harness/scenario/index.ts';

/** The agents' backoff, named here because the spread check's model is derived from it. */
const BACKOFF: BackoffOptions = { minMs: 1_000, maxMs: 30_000, factor: 2, jitter: 'full' };

/**
 * Full jitter spreads an agent's first reconnect after a drop uniformly over
 * [floor, ceiling of attempt 1]: 1 s to 2 s with these settings, a 1 s window.
 * The model stays that of a healthy fleet when `--agent-defect no-jitter`
 * rewrites the agents' jitter: that is what the check holds them to.
 */
function firstRetryWindowMs(backoff: BackoffOptions): number {
  const resolved = { ...DEFAULT_BACKOFF, ...backoff };
  const ceiling = backoffCeilingMs(resolved, 1);
  return ceiling - Math.min(resolved.minMs, ceiling);
}

/**
 * A fleet that drops together must not come back together. Passes with
 * jittered agents; `--agent-defect no-jitter` makes every agent retry at the
 * same instant and fails the reconnect-spread check.
 */
export default defineScenario({
  name: 'storm',
  description: '500 agents through a graceful redeploy: reconnects must spread over the backoff window (fails with --agent-defect no-jitter)',
  defaults: { agents: 500, durationMs: 20_000, rampMs: 2_000 },
  agent: { backoff: BACKOFF },
  traffic: { commandIntervalMs: 200 },
  redeploys: ({ durationMs }) => [{ name: 'redeploy', atMs: durationMs * 0.4, kind: 'graceful' }],
  checks: ({ agents }) => ({
    hubHealth: {},
    reconnectSpread: { windowMs: firstRetryWindowMs(BACKOFF), sliceMs: 100 },
    reconnectStorm: { minBackoffMs: 1_000 },
    // A hub takes its own time to close and accept thousands of sockets: one more second per 1,000 agents.
    recovery: { withinMs: 10_000 + Math.ceil(agents / 1_000) * 1_000 },
    commandDelivery: {},
    connectionLoop: {},
    // The harness's own loop must keep up while the whole fleet reconnects, or every timestamp it records is late.
    eventLoopLag: { maxMs: 100 },
  }),
});
